import type { WebserverConfig } from '../config/schema.js';
import type { RaiseAlert } from '../alerts.js';
import { unknownWebserver } from './errors.js';
import type { Logger } from '../log.js';
import type { Target } from '../targets/target.js';
import { Mutex } from '../util/concurrency.js';
import { NginxApplier } from './apply.js';
import { nginxLockKey, processOnly, type SharedConfigLock } from './config-lock.js';

/** What the fleet is built from, once, by the daemon (src/daemon.ts). */
export interface NginxFleetOptions {
  webservers: Record<string, WebserverConfig>;
  /** Where playbooks and their templates live (a web server's `template` is relative to it). */
  playbooksDir: string;
  /** The target a web server's `target` names. */
  target(name: string): Target;
  logger: Logger;
  alert: RaiseAlert;
  /** The lock other daemons sharing the store take for the same nginx (the store's; none for one daemon alone). */
  sharedLock?: SharedConfigLock;
}

/**
 * The configured nginx web servers, each with its one applier (and so its one batch
 * queue) for the whole daemon. Everything that changes or reads an nginx goes through
 * here, so no two parts of serein can hold two different locks for one server: web
 * server entries naming the same nginx (same target and argv) share one mutex, and every
 * batch also holds the store's lock for that nginx against the other daemons.
 */
export class NginxFleet {
  private readonly appliers = new Map<string, NginxApplier>();
  private readonly mutexes = new Map<string, Mutex>();

  constructor(private readonly o: NginxFleetOptions) {}

  /** Every configured web server by name (their public addresses are our own). */
  get all(): Readonly<Record<string, WebserverConfig>> {
    return this.o.webservers;
  }

  get playbooksDir(): string {
    return this.o.playbooksDir;
  }

  /** A configured web server by name, or an error that lists the ones that exist. */
  webserver(name: string): WebserverConfig {
    const ws = this.o.webservers[name];
    if (ws) return ws;
    throw unknownWebserver(name, Object.keys(this.o.webservers));
  }

  /** The machine or container a web server runs on. */
  target(name: string): Target {
    return this.o.target(this.webserver(name).target);
  }

  /** The one applier of a web server: its lock, its batches, its counters. */
  applier(name: string): NginxApplier {
    let a = this.appliers.get(name);
    if (!a) {
      const ws = this.webserver(name);
      const lockKey = nginxLockKey(ws);
      let mutex = this.mutexes.get(lockKey);
      if (!mutex) this.mutexes.set(lockKey, (mutex = new Mutex()));
      const deps = {
        target: this.o.target(ws.target),
        logger: this.o.logger,
        alert: this.o.alert,
        mutex,
        shared: this.o.sharedLock ?? processOnly,
        lockKey,
      };
      a = new NginxApplier(deps, name, ws);
      this.appliers.set(name, a);
    }
    return a;
  }
}
