import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';

// What the README tests share: the README's shell blocks read as an admin pastes them, and
// bash running each line as it is written, from the repository.

/** The repository's folder, where the README's commands run. */
export const root = resolve(import.meta.dirname, '../..');

/** The commands of the first shell block of a README section, without comments. */
export function readmeBlock(heading: string): string[] {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  return block.split('\n').map(stripComment).filter(Boolean);
}

/** A shell line without its trailing `# comment` (what bash ignores too). */
export const stripComment = (line: string) => line.replace(/(^|\s+)#\s.*$/, '').trim();

/** Runs one pasted line with bash, with the variables exported so far. */
export function sh(line: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn('bash', ['-c', line], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.once('exit', (code) => ok({ code, out }));
  });
}

/** The certificate nginx presents for a name. */
export function peerCertificate(port: number, servername: string): Promise<PeerCertificate> {
  return new Promise((ok, fail) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      ok(socket.getPeerCertificate());
      socket.end();
    });
    socket.once('error', fail);
  });
}
