/**
 * nginx: run as root with its master process, a default server on 127.0.0.1:port and [::1]:port that
 * serves the ACME challenge folder, and a folder of vhosts tests add (then reload with SIGHUP).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { defineComponent, findBinary, freePort, httpRequest } from '../shared.ts';

/** LabInfo['nginx']: where its files are, how to reload it, its ports. */
export interface NginxInfo {
  binary: string;
  prefix: string;
  confPath: string;
  /** Included inside http{} as vhostDir/*.conf; reload with `kill -HUP <pid from pidFile>`. */
  vhostDir: string;
  /** Listens on 127.0.0.1:port and [::1]:port (default_server, 200 on `/`). */
  port: number;
  /** Free on 127.0.0.1 and ::1; nothing listens there until a vhost does. */
  tlsPort: number;
  pidFile: string;
  /** Root of the default server; /.well-known/acme-challenge/ is served from webRoot/.well-known/acme-challenge. */
  webRoot: string;
}

/** The web server vhost operations target, and where Pebble validates http-01. */
export const nginx = defineComponent<NginxInfo>({
  packages: { nginx: ['/usr/sbin/nginx'] },
  needs: [],
  async start(lab) {
    const bin = findBinary('nginx');
    const prefix = await lab.mkdir('nginx');
    const vhostDir = await lab.mkdir('nginx', 'vhosts');
    const webRoot = await lab.mkdir('nginx', 'www');
    await lab.mkdir('nginx', 'www', '.well-known', 'acme-challenge');
    await lab.mkdir('nginx', 'logs');
    await lab.mkdir('nginx', 'tmp');
    const port = await freePort({ ipv6: true });
    const tlsPort = await freePort({ ipv6: true });
    const confPath = path.join(prefix, 'nginx.conf');
    const pidFile = path.join(prefix, 'nginx.pid');
    await fsp.writeFile(path.join(webRoot, 'index.html'), 'serein lab nginx\n');
    await fsp.writeFile(confPath, nginxConfText({ prefix, pidFile, port, webRoot, vhostDir }));
    // -e stderr: nothing tries /var/log/nginx/error.log before the config is read
    const proc = lab.spawn('nginx', bin, ['-p', `${prefix}/`, '-c', confPath, '-e', 'stderr', '-g', 'daemon off;']);
    const errorLog = path.join(prefix, 'logs', 'error.log');
    await lab.waitUntil(
      'nginx',
      async () =>
        (await httpRequest(`http://127.0.0.1:${port}/`, { timeoutMs: 500 })).status === 200 &&
        (await httpRequest(`http://[::1]:${port}/`, { timeoutMs: 500 })).status === 200,
      proc,
      [errorLog],
    );
    return { binary: bin, prefix, confPath, vhostDir, port, tlsPort, pidFile, webRoot };
  },
});

/**
 * The lab's nginx.conf: a default server answering 200 on 127.0.0.1 and ::1, the ACME
 * challenge folder, every path inside `prefix`, and `vhostDir/*.conf` included. Shared
 * with the tests that run a private nginx or one inside a container.
 */
export function nginxConfText(o: {
  prefix: string;
  pidFile: string;
  port: number;
  webRoot: string;
  vhostDir: string;
  errorLog?: string;
}): string {
  const { prefix, pidFile, port, webRoot, vhostDir } = o;
  return `# serein test lab
user root;
worker_processes 1;
master_process on;
pid ${pidFile};
error_log ${o.errorLog ?? `${prefix}/logs/error.log`} notice;
events { worker_connections 512; }
http {
  default_type application/octet-stream;
  types { text/html html; text/plain txt; application/json json; }
  access_log ${prefix}/logs/access.log;
  client_body_temp_path ${prefix}/tmp/client_body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server_names_hash_bucket_size 128;
  server {
    listen 127.0.0.1:${port} default_server;
    listen [::1]:${port} default_server;
    server_name _;
    root ${webRoot};
    index index.html;
    location /.well-known/acme-challenge/ {
      default_type text/plain;
      try_files $uri =404;
    }
  }
  include ${vhostDir}/*.conf;
}
`;
}
