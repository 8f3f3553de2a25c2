import { getWithHost } from '../test/helpers/vhost-lab.js';

/**
 * Polls the name on 127.0.0.1 until nginx serves it (200, and `body` in the answer when given), as a panel's
 * probe would: the vhost benches' wait for a reload to be live. A 200 alone proves nothing on a path the default
 * server also answers (the bench's nginx answers `/` for any name): the new configuration's own text does. No
 * deadline: a bench that never gets there is stopped by its runner.
 */
export async function until200(port: number, host: string, path = '/', body?: string): Promise<void> {
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    const r = await getWithHost('127.0.0.1', port, host, path).catch(() => ({ status: 0, body: '' }));
    if (r.status === 200 && (body === undefined || r.body.includes(body))) return;
    await new Promise((r) => setTimeout(r, delay));
  }
}
