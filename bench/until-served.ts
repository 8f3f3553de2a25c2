import { getWithHost } from '../test/helpers/vhost-lab.js';

/**
 * Polls the name on 127.0.0.1 until nginx serves it (200), as a panel's probe would: the vhost
 * benches' wait for a reload to be live. No deadline: a bench that never gets there is stopped
 * by its runner.
 */
export async function until200(port: number, host: string, path = '/'): Promise<void> {
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    if ((await getWithHost('127.0.0.1', port, host, path).catch(() => ({ status: 0 }))).status === 200) return;
    await new Promise((r) => setTimeout(r, delay));
  }
}
