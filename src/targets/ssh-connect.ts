import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { NodeSSH } from 'node-ssh';
import type { Client, SFTPWrapper } from 'ssh2';
import type { SshTargetConfig } from './ssh.js';
import { hostKeyFingerprint } from './ssh-command.js';
import { TargetError } from './target.js';

/** One SSH connection to a target, shared by its commands; SFTP is opened on it once, when first needed. */
export interface Connection {
  ssh: NodeSSH;
  client: Client;
  sftp?: Promise<SFTPWrapper>;
}

/** The key type named at the start of a key blob (e.g. ssh-ed25519), for error messages. */
function keyType(keyBlob: Buffer): string {
  try {
    const len = keyBlob.readUInt32BE(0);
    return keyBlob.subarray(4, 4 + len).toString('latin1');
  } catch {
    return 'unknown';
  }
}

/**
 * Opens the connection to an SSH target, refusing a host whose key is not the pinned one
 * before anything is sent; each failure says which setting to fix (the key file, the
 * server's key, sshd). Apart from SshTarget so the trust decision reads on its own.
 */
export async function openSsh(name: string, config: SshTargetConfig): Promise<Connection> {
  const { host, port, username, privateKeyPath, hostKeySha256 } = config;
  const where = `${username}@${host}:${port}`;
  let privateKey: string;
  try {
    privateKey = await readFile(privateKeyPath, 'utf8');
  } catch (err) {
    throw new TargetError(
      `${name}: cannot read the SSH private key ${privateKeyPath}: ${(err as Error).message}`,
      `check targets.${name}.privateKeyPath and that serein may read the file`,
      'ssh_key_unreadable',
    );
  }
  let seen: { fingerprint: string; type: string } | undefined;
  // node-ssh is loaded on first use, so daemons without SSH targets start faster.
  const { NodeSSH: Ssh } = createRequire(import.meta.url)('node-ssh') as typeof import('node-ssh');
  const ssh = new Ssh();
  try {
    await ssh.connect({
      host,
      port,
      username,
      privateKey,
      readyTimeout: 20_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        seen = { fingerprint: hostKeyFingerprint(key), type: keyType(key) };
        return seen.fingerprint === hostKeySha256;
      },
    });
  } catch (err) {
    ssh.dispose();
    if (seen && seen.fingerprint !== hostKeySha256) {
      throw new TargetError(
        `${name}: refused ${host}:${port}: its host key is ${seen.type} ${seen.fingerprint}, expected ${hostKeySha256}`,
        `if the server's key really changed, check it on a trusted path with \`ssh-keyscan -p ${port} ${host} | ssh-keygen -lf -\` ` +
          `(use the ${seen.type.replace(/^ssh-/, '').toUpperCase()} line) and set targets.${name}.hostKeySha256 to it; otherwise someone may be intercepting the connection`,
        'ssh_host_key_mismatch',
      );
    }
    const message = (err as Error).message;
    const hint = /authentication/i.test(message)
      ? `add the public key of ${privateKeyPath} to ~${username}/.ssh/authorized_keys on ${host}`
      : `check that sshd runs on ${host} port ${port} and is reachable from here`;
    throw new TargetError(`${name}: cannot connect to ${where}: ${message}`, hint, 'ssh_connect_failed');
  }
  const client = ssh.connection;
  if (!client)
    throw new TargetError(
      `${name}: the SSH connection to ${where} closed at once`,
      'retry; check the server logs',
      'ssh_connect_failed',
    );
  // Without a listener a late socket error would crash the daemon; the 'close' that follows drops the connection.
  client.on('error', () => undefined);
  client.setNoDelay(true); // small request/reply packets: Nagle + delayed ACKs would add ~40 ms to each
  return { ssh, client };
}
