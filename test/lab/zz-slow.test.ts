import { it } from 'vitest';
import { useLab } from './client.ts';
it('waits', async () => {
  await useLab('dns', 'pebble', 'nginx', 'sshd', 'mariadb', 'postgres', 'podman');
  await new Promise((r) => setTimeout(r, 50_000));
}, 60_000);
