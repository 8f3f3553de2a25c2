import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { builtinActions } from './actions/index.js';
import { loadPlugins } from './plugins.js';
import { buildApi } from './api/server.js';
import { buildServices } from './composition.js';
import type { Config } from './config/schema.js';
import type { BackgroundService } from './engine/background.js';
import { Engine } from './engine/engine.js';
import type { CheckpointHook } from './engine/runner.js';
import { createLogger, type Logger } from './log.js';
import { SealBox } from './secrets.js';
import { Store } from './store/store.js';
import { TargetPool } from './targets/index.js';
import { strugglingClientWatch } from './watch/struggling.js';
import { driftWatch } from './watch/drift.js';
import { trashPurge } from './watch/trash-purge.js';
import { diskUsageWatch } from './watch/disk-usage.js';
import { certificateMaintenance } from './certificates/maintain.js';

import { version } from './version.js';

export { version };

export type BackgroundFactory = (engine: Engine) => BackgroundService;

/** Background services started with every daemon. A new one adds its factory here. */
export const backgroundServices: BackgroundFactory[] = [
  strugglingClientWatch,
  certificateMaintenance,
  driftWatch,
  trashPurge,
  diskUsageWatch,
];

export interface Daemon {
  config: Config;
  store: Store;
  engine: Engine;
  api: FastifyInstance;
  /** Where the API listens, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Set on the first start only: the admin token, to show once. */
  firstAdminToken?: string;
  /** No admin token has ever authenticated: the first one may be lost, so starts say how to make one. */
  adminNeverUsed: boolean;
  stop(): Promise<void>;
}

/** The API could not listen (port taken, address not here): nothing was created, the admin can fix and start again. */
export class ListenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    const why =
      cause.code === 'EADDRINUSE'
        ? 'something else already listens there'
        : cause.code === 'EADDRNOTAVAIL'
          ? 'this machine has no such address'
          : cause.code === 'EACCES'
            ? 'this user may not use that port'
            : cause.message;
    super(
      `cannot listen on ${host}:${port}: ${why} (${cause.code ?? 'error'}). Change server.host/server.port in the configuration, or stop the other program.`,
    );
    this.name = 'ListenError';
  }
}

/**
 * The key that seals shown-once secrets; 0600, created on first start. Daemons sharing a state
 * folder may start at once for the first time (three on one PostgreSQL store): the key is written
 * whole beside its place and linked there by the first only, so none reads it half-written or
 * fails on another's; the others read that one.
 */
function sealKey(stateDir: string): Buffer {
  const file = join(stateDir, 'seal.key');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, randomBytes(32), { mode: 0o600 });
    try {
      linkSync(tmp, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A file system without hard links: written in place, as before.
      if (code !== 'EEXIST') writeFileSync(file, readFileSync(tmp), { mode: 0o600, flag: 'wx' });
    } finally {
      unlinkSync(tmp);
    }
  }
  return readFileSync(file);
}

/**
 * The composition root: starts the whole daemon, each part built once and handed what it
 * uses: store (migrated), components (src/composition.ts), engine, background services, API.
 * `onCheckpoint` is for tests that build the daemon in-process (test/helpers/halting-serve.ts);
 * `serein serve` never passes it.
 */
export async function startDaemon(
  config: Config,
  opts: { logger?: Logger; listen?: boolean; onCheckpoint?: CheckpointHook } = {},
): Promise<Daemon> {
  const logger = opts.logger ?? createLogger(config.log.level);
  const store = await Store.open(config.store);
  const targets = new TargetPool(config.targets);
  let engine: Engine;
  let components: ReturnType<typeof buildServices>;
  try {
    const seal = new SealBox(sealKey(config.stateDir));
    components = buildServices({ config, store, logger, target: (name) => targets.get(name), seal });
    engine = new Engine({
      config,
      store,
      logger,
      services: components.services,
      actions: [...builtinActions, ...(await loadPlugins(config.plugins))],
      seal,
      onCheckpoint: opts.onCheckpoint,
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const api = await buildApi({ config, store, engine }, logger, version);
  engine.start();
  components.start();
  const background = backgroundServices.map((f) => f(engine));
  for (const b of background) b.start();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled([api.close(), ...background.map((b) => b.stop()), engine.stop(1000)]);
      await components.close();
      await targets.closeAll();
      await store.close();
    })());
  let url = '';
  if (opts.listen !== false) {
    // Bound before the first admin token is made: a busy port must not eat the only copy.
    try {
      url = await api.listen({ host: config.server.host, port: config.server.port });
    } catch (err) {
      await stop();
      throw new ListenError(config.server.host, config.server.port, err as NodeJS.ErrnoException);
    }
  }
  let firstAdminToken: string | undefined;
  if ((await store.tokens.countAdmins()) === 0)
    firstAdminToken = (await store.tokens.create('admin', null, 'first admin')).token;
  const adminNeverUsed = !(await store.tokens.adminEverUsed());
  return { config, store, engine, api, url, firstAdminToken, adminNeverUsed, stop };
}
