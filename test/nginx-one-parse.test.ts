/**
 * One nginx parse per change: before the reload, nginx -t parses only the changed sites in
 * a copy of the main configuration (its shared settings, not the other sites); the reload
 * is the whole configuration's one parse, which nginx refuses as a whole, keeping the
 * previous configuration served. A change the cheap check passes but the whole
 * configuration refuses (here: an upstream name another site already declares) never
 * reaches nginx's workers: serein sees the reload not taken, asks nginx -t why, puts the
 * previous files back and says it in plain words. A change of a shared file (outside the
 * sites' and certificates' folders) gets the full nginx -t.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeApplyNginx } from '../src/nginx/apply.js';
import type { TestDaemon } from './helpers/daemon.js';
import { getWithHost, labNginxTest } from './helpers/vhost-lab.js';
import { privateNginxDaemon, type PrivateNginxDaemon } from './helpers/private-nginx-daemon.js';
import type { NginxInfo } from './helpers/vhost-nginx.js';

let priv: NginxInfo & { stop(): Promise<void> };
let d: TestDaemon;
let dir: string;
const tag = randomBytes(4).toString('hex');
const name = (n: string) => `${n}.p${tag}.test`;
const file = (n: string) => join(priv.vhostDir, `${name(n)}.conf`);
const site = (n: string, extra = '') => ({
  path: file(n),
  content: `${extra}server {\n    listen 127.0.0.1:${priv.port};\n    server_name ${name(n)};\n    location = /p { return 200 "ok ${n}"; }\n}\n`,
});
const stats = () => ({ ...d.daemon.engine.services.nginx.applier('priv').stats });
const apply = (files: { path: string; content: string | null }[], n: string) =>
  safeApplyNginx(d.daemon.engine.services.nginx, 'priv', files, [{ host: name(n), path: '/p', expectBody: `ok ${n}` }]);

let lab: PrivateNginxDaemon;

beforeAll(async () => {
  lab = await privateNginxDaemon('serein-one-parse-');
  ({ priv, d, dir } = lab);
});

afterAll(() => lab?.stop(tag));

describe('one nginx parse per change', () => {
  it('a site change is checked alone, then reloaded once: no full nginx -t', async () => {
    const before = stats();
    await apply([site('one')], 'one');
    const after = stats();
    expect(after.quickChecks - before.quickChecks).toBe(1);
    expect(after.tests - before.tests).toBe(0);
    expect(after.reloads - before.reloads).toBe(1);
    expect((await getWithHost('127.0.0.1', priv.port, name('one'), '/p')).body).toBe('ok one');
    // The check's copy of the main configuration is gone.
    expect(readdirSync(priv.prefix).filter((f) => f.startsWith('.serein-check-'))).toEqual([]);
  });

  it('a change only the whole configuration refuses never reaches the workers: the reload is seen not taken, the files go back, nginx says why', async () => {
    const upstream = `upstream serein_dup_${tag} { server 127.0.0.1:9; }\n`;
    await apply([site('first', upstream)], 'first');
    const before = stats();
    const err = await apply([site('second', upstream)], 'second').catch((e) => e);
    expect(err?.code).toBe('nginx_rejected');
    expect(err.detail).toMatch(/duplicate upstream/);
    const after = stats();
    expect(after.quickChecks - before.quickChecks).toBe(1); // the cheap check passed it...
    expect(after.tests - before.tests).toBe(1); // ...nginx refused the reload, and its own test said why
    expect(existsSync(file('second'))).toBe(false);
    // The workers still run the previous configuration: the first site answers, the second never did.
    expect((await getWithHost('127.0.0.1', priv.port, name('first'), '/p')).body).toBe('ok first');
    expect((await getWithHost('127.0.0.1', priv.port, name('second'), '/p')).body).not.toContain('ok second');
    expect(labNginxTest(priv).ok).toBe(true);
    // The next change goes through as usual.
    await apply([site('third')], 'third');
    expect((await getWithHost('127.0.0.1', priv.port, name('third'), '/p')).body).toBe('ok third');
  });

  it('a change outside the sites and certificates folders (a shared file) gets the full nginx -t', async () => {
    const shared = join(dir, `shared-${tag}.conf`);
    const before = stats();
    await apply([{ path: shared, content: '# a shared snippet\n' }, site('fourth')], 'fourth');
    const after = stats();
    expect(after.tests - before.tests).toBe(1);
    expect(after.quickChecks - before.quickChecks).toBe(0);
  });
});
