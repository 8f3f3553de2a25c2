/**
 * sshd: OpenSSH on 127.0.0.1, user root, with an ed25519 host key and client key made for each lab.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { defineComponent, findBinary, freePort, tcpProbe, type LabContext } from '../shared.ts';

/** LabInfo['sshd']: where to connect, with which key, and the host key to expect. */
export interface SshdInfo {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  /** As `ssh-keygen -lf` prints it: `SHA256:...`. */
  hostKeySha256: string;
}

const SSHD = '/usr/sbin/sshd';

/**
 * What both sshds start from: the program, its privilege separation folder, a folder of the
 * lab's, an ed25519 host key (`comment` tells whose) with its fingerprint, and a free port.
 */
async function sshdBase(lab: LabContext, folder: string, comment: string) {
  if (!fs.existsSync(SSHD)) throw new Error(`lab: ${SSHD} not found; run "bash test/lab/setup.sh"`);
  const keygen = findBinary('ssh-keygen');
  await fsp.mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  const dir = await lab.mkdir(folder);
  const hostKey = path.join(dir, 'host_ed25519');
  await lab.run('ssh-keygen', keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', hostKey]);
  const fp = await lab.run('ssh-keygen', keygen, ['-lf', `${hostKey}.pub`]);
  const hostKeySha256 = fp.split(/\s+/)[1] ?? '';
  if (!hostKeySha256.startsWith('SHA256:')) throw new Error(`lab: unexpected ssh-keygen -lf output: ${fp}`);
  return { keygen, dir, hostKey, hostKeySha256, port: await freePort() };
}

/** Resolves once the sshd on `port` greets with its SSH banner; fails early if `proc` dies. */
function sshdListening(
  lab: LabContext,
  what: string,
  port: number,
  proc: ReturnType<LabContext['spawn']>,
): Promise<void> {
  return lab.waitUntil(
    what,
    async () => (await tcpProbe('127.0.0.1', port, true))?.toString('latin1').startsWith('SSH-') ?? false,
    proc,
  );
}

/** The SSH target remote operations run on. */
export const sshd = defineComponent<SshdInfo>({
  packages: { 'openssh-server': ['/usr/sbin/sshd', '/usr/bin/ssh-keygen'] },
  needs: [],
  async start(lab) {
    const { keygen, dir, hostKey, hostKeySha256, port } = await sshdBase(lab, 'sshd', 'serein-lab-host');
    const clientKey = path.join(dir, 'client_ed25519');
    await lab.run('ssh-keygen', keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'serein-lab-client', '-f', clientKey]);
    const authorizedKeys = path.join(dir, 'authorized_keys');
    await fsp.copyFile(`${clientKey}.pub`, authorizedKeys);
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
    await sshdListening(lab, 'sshd', port, lab.spawn('sshd', SSHD, ['-D', '-e', '-f', cfg, '-p', String(port)]));
    return { host: '127.0.0.1', port, username: 'root', privateKeyPath: clientKey, hostKeySha256 };
  },
});

/** LabInfo['sftp']: an sshd of its own for SFTP accounts, and the folders serein writes its accounts' settings in. */
export interface SftpSshdInfo {
  host: string;
  port: number;
  /** argv that runs this sshd (with its config): serein's `sftp.sshd`; -t or -T get appended. */
  sshd: string[];
  pidFile: string;
  /** Included first by its sshd_config, as Debian's includes /etc/ssh/sshd_config.d/*.conf. */
  dropInDir: string;
  keysDir: string;
  hostKeySha256: string;
}

/**
 * An sshd for SFTP accounts: the same program as `sshd`, but its own instance, because
 * serein reloads it (SIGHUP makes sshd re-execute itself and listen again) and the SSH
 * target's connections must not see that. Its config includes a drop-in folder first,
 * takes no password but what a Match block allows, and runs internal-sftp.
 */
export const sftp = defineComponent<SftpSshdInfo>({
  packages: { 'openssh-server': ['/usr/sbin/sshd', '/usr/bin/ssh-keygen'] },
  needs: [],
  async start(lab) {
    const { dir, hostKey, hostKeySha256, port } = await sshdBase(lab, 'sftp', 'serein-lab-sftp');
    const dropInDir = path.join(dir, 'sshd_config.d');
    const keysDir = path.join(dir, 'keys');
    await fsp.mkdir(dropInDir, { mode: 0o755 });
    await fsp.mkdir(keysDir, { mode: 0o755 });
    const cfg = path.join(dir, 'sshd_config');
    const pidFile = path.join(dir, 'sshd.pid');
    // StrictModes no: the lab's folder is under /tmp (sticky, world-writable), which key checks would refuse.
    await fsp.writeFile(
      cfg,
      `# serein test lab: SFTP accounts
Include ${dropInDir}/*.conf
ListenAddress 127.0.0.1
Port ${port}
HostKey ${hostKey}
AuthorizedKeysFile none
PidFile ${pidFile}
StrictModes no
UsePAM no
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
Subsystem sftp internal-sftp
LogLevel VERBOSE
`,
    );
    // Started by its absolute path with -f only: a reload (SIGHUP) re-executes the same argv.
    await sshdListening(lab, 'sftp sshd', port, lab.spawn('sftp-sshd', SSHD, ['-D', '-e', '-f', cfg]));
    return { host: '127.0.0.1', port, sshd: [SSHD, '-f', cfg], pidFile, dropInDir, keysDir, hostKeySha256 };
  },
});
