import { posix } from 'node:path';
import type { WebserverConfig } from '../config/schema.js';
import type { RaiseAlert } from '../alerts.js';
import { toOperationError } from '../errors.js';
import { safeApplyNginx, type NginxFileChange } from './apply.js';
import type { NginxFleet } from './fleet.js';
import { unsafeNginxValue } from './template.js';

/**
 * Without a default server of its own, nginx answers a TLS request for a name it does not
 * serve with its first TLS server's certificate, which names another tenant's sites. One
 * file per TLS address serein manages holds a default server that refuses the handshake
 * (`ssl_reject_handshake`, nginx 1.19.4 and later): it needs no certificate and serves
 * nothing. Its name (a leading `_`, which no site's name has) keeps it apart from the sites.
 */
export function defaultTlsFiles(ws: WebserverConfig): NginxFileChange[] {
  return ws.listen.map((address) => {
    const why = unsafeNginxValue(address);
    if (why) throw new TypeError(`the listen address ${JSON.stringify(address)} ${why}`);
    const name = `_serein-default-tls-${address.replace(/[[\]]/g, '')}-${ws.httpsPort}.conf`;
    const content = [
      '# Managed by serein: a TLS request for a name no site here serves is refused,',
      "# instead of being answered with another site's certificate. Kept by serein; do not edit.",
      'server {',
      `    listen ${address}:${ws.httpsPort} ssl default_server;`,
      '    ssl_reject_handshake on;',
      '}',
      '',
    ].join('\n');
    return { path: posix.join(ws.vhostDir, name), content, mode: 0o644 };
  });
}

/** Per fleet: the check under way for each web server (shared by the installs arriving meanwhile), and those already alerted. */
const state = new WeakMap<NginxFleet, { running: Map<string, Promise<void>>; alerted: Set<string> }>();

/**
 * Makes sure the web server's default TLS servers are in place before a certificate is
 * installed: written (tested with `nginx -t`, reloaded, undone on failure, like any nginx
 * change) when missing or changed, otherwise left alone. Never removed by an install's
 * undo: it protects every site on the address, not one. An nginx that refuses it (an
 * admin's own `default_server` on that address, an nginx older than 1.19.4) does not stop
 * the install: the admins are alerted once, and it is tried again at the next install.
 */
export function ensureDefaultTls(
  fleet: NginxFleet,
  webserver: string,
  o: { alert: RaiseAlert; log?(m: string): void },
): Promise<void> {
  let s = state.get(fleet);
  if (!s) state.set(fleet, (s = { running: new Map(), alerted: new Set() }));
  const shared = s;
  const under = shared.running.get(webserver);
  if (under) return under;
  const run = (async () => {
    const ws = fleet.webserver(webserver);
    const target = fleet.target(webserver);
    const files = defaultTlsFiles(ws);
    const missing: NginxFileChange[] = [];
    for (const f of files) if ((await target.readFile(f.path))?.toString('utf8') !== f.content) missing.push(f);
    if (!missing.length) return;
    try {
      await safeApplyNginx(fleet, webserver, missing, [], { log: o.log });
      o.log?.(
        `default TLS server written for ${ws.listen.map((a) => `${a}:${ws.httpsPort}`).join(', ')}: unknown names are refused`,
      );
    } catch (err) {
      const e = toOperationError(err);
      o.log?.(
        `the default TLS server could not be put in place (${e.userMessage.en}); the certificate is installed all the same`,
      );
      if (shared.alerted.has(webserver)) return;
      shared.alerted.add(webserver);
      await o.alert({
        kind: 'nginx-default-tls-refused',
        tenantId: null,
        subject: `webserver:${webserver}`,
        message: `nginx on ${webserver} refused serein's default TLS server (ssl_reject_handshake, nginx 1.19.4 or later, on ${ws.listen.join(', ')} port ${ws.httpsPort}): a TLS request for a name it does not serve gets another site's certificate. Remove any other default_server on that port, or upgrade nginx.`,
        detail: { error: e.detail ?? e.message },
      });
    }
  })().finally(() => shared.running.delete(webserver));
  shared.running.set(webserver, run);
  return run;
}
