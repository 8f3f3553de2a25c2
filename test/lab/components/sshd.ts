/**
 * sshd: OpenSSH on 127.0.0.1, user root, with an ed25519 host key and client key made for each lab.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { defineComponent, findBinary, freePort, tcpProbe } from '../shared.ts';

/** LabInfo['sshd']: where to connect, with which key, and the host key to expect. */
export interface SshdInfo {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  /** As `ssh-keygen -lf` prints it: `SHA256:...`. */
  hostKeySha256: string;
}

/** The SSH target remote operations run on. */
export const sshd = defineComponent<SshdInfo>({
  packages: { 'openssh-server': ['/usr/sbin/sshd', '/usr/bin/ssh-keygen'] },
  needs: [],
  async start(lab) {
    const bin = '/usr/sbin/sshd';
    if (!fs.existsSync(bin)) throw new Error(`lab: ${bin} not found; run "bash test/lab/setup.sh"`);
    const keygen = findBinary('ssh-keygen');
    await fsp.mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
    const dir = await lab.mkdir('sshd');
    const hostKey = path.join(dir, 'host_ed25519');
    const clientKey = path.join(dir, 'client_ed25519');
    await Promise.all([
      lab.run('ssh-keygen', keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'serein-lab-host', '-f', hostKey]),
      lab.run('ssh-keygen', keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'serein-lab-client', '-f', clientKey]),
    ]);
    const authorizedKeys = path.join(dir, 'authorized_keys');
    await fsp.copyFile(`${clientKey}.pub`, authorizedKeys);
    const fp = await lab.run('ssh-keygen', keygen, ['-lf', `${hostKey}.pub`]);
    const hostKeySha256 = fp.split(/\s+/)[1] ?? '';
    if (!hostKeySha256.startsWith('SHA256:')) throw new Error(`lab: unexpected ssh-keygen -lf output: ${fp}`);
    const port = await freePort();
    const cfg = path.join(dir, 'sshd_config');
    await fsp.writeFile(
      cfg,
      `# serein test lab
ListenAddress 127.0.0.1
HostKey ${hostKey}
AuthorizedKeysFile ${authorizedKeys}
PidFile ${path.join(dir, 'sshd.pid')}
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
LogLevel INFO
`,
    );
    const proc = lab.spawn('sshd', bin, ['-D', '-e', '-f', cfg, '-p', String(port)]);
    await lab.waitUntil(
      'sshd',
      async () => (await tcpProbe('127.0.0.1', port, true))?.toString('latin1').startsWith('SSH-') ?? false,
      proc,
    );
    return { host: '127.0.0.1', port, username: 'root', privateKeyPath: clientKey, hostKeySha256 };
  },
});
