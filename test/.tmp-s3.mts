import { NodeSSH } from 'node-ssh';
import { readFileSync } from 'node:fs';
const ssh = new NodeSSH();
await ssh.connect({ host: '127.0.0.1', port: Number(readFileSync('/tmp/serein-tx/ssh/port', 'utf8')), username: 'root', privateKeyPath: '/tmp/serein-tx/ssh/client_key' });
const c = ssh.connection!; c.setNoDelay(true);
for (let i = 0; i < 3; i++) {
  const t0 = performance.now(); const lap = (s: string) => console.log(s, (performance.now() - t0).toFixed(1));
  await new Promise<void>((res) => c.exec(process.argv[2] ?? 'true', (err, ch) => { lap('exec-cb'); ch.on('exit', () => lap('exit')); ch.on('eof', () => lap('eof')); ch.on('close', () => { lap('close'); res(); }); ch.resume(); ch.end(); }));
}
ssh.dispose();
