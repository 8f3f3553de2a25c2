import { createHash, createPublicKey } from 'node:crypto';
import { Socket } from 'node:net';
import { createRequire } from 'node:module';
import { posix } from 'node:path';
import type { SftpConfig } from '../config/schema.js';
import type { ActionContext } from '../engine/action.js';
import { toOperationError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { Mutex, wait } from '../util/concurrency.js';
import { accountCommandFailed, badPublicKey, loginNotAllowed, sshdReloadFailed, sshdRejected } from './sftp-errors.js';

// How SFTP access is made on the server: the sshd drop-in of one account, its safe apply
// (sshd -t, then the effective settings of that user read back, reload, sshd answering
// again; the previous files back on any failure), and the account's password and key.

/** A site's account as sshd sees it: the site's own user, locked in the chroot, landing in its writable folder. */
export interface SftpAccount {
  user: string;
  /** Root's, 0755, with every folder above it: what sshd requires of a chroot. */
  chroot: string;
  /** The site user's folder one level inside, where the client lands and writes. */
  writable: string;
}

/** A file serein owns on the target, with what was there before (undefined: nothing). */
export interface PreviousFile {
  path: string;
  content?: string;
}

/** Characters sshd takes literally in a path (no space, quote, or %-token). */
const SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;
/** A system user name as useradd accepts it. */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** The drop-in file of an account: one per user, so creating or deleting one never rewrites another's. */
export function dropInPath(sftp: SftpConfig, user: string): string {
  return posix.join(sftp.dropInDir, `serein-sftp-${user}.conf`);
}

/** The account's authorized_keys, root's: the client cannot add keys or options to it. */
export function keyFilePath(sftp: SftpConfig, user: string): string {
  return posix.join(sftp.keysDir, user);
}

/**
 * The Match block of one account. internal-sftp needs no program inside the chroot;
 * forwarding of every kind, ttys and tunnels are off, so a password can open nothing but
 * the site's files; `-u 0022` keeps what the client uploads readable by the web server.
 */
export function renderDropIn(sftp: SftpConfig, a: SftpAccount, domain: string): string {
  for (const p of [a.chroot, a.writable, sftp.keysDir])
    if (!SAFE_PATH.test(p) || p.split('/').includes('..')) throw new Error(`unsafe path for sshd: ${p}`);
  if (!USER_NAME.test(a.user)) throw new Error(`unsafe user name for sshd: ${a.user}`);
  const start = `/${posix.relative(a.chroot, a.writable)}`;
  return [
    `# serein: SFTP access to ${domain}; written by serein, changed only through it`,
    `Match User ${a.user}`,
    `\tChrootDirectory ${a.chroot}`,
    `\tForceCommand internal-sftp -d ${start} -u 0022`,
    '\tAllowTcpForwarding no',
    '\tAllowAgentForwarding no',
    '\tAllowStreamLocalForwarding no',
    '\tX11Forwarding no',
    '\tPermitTunnel no',
    '\tPermitTTY no',
    '\tGatewayPorts no',
    `\tPasswordAuthentication ${sftp.passwordAuthentication ? 'yes' : 'no'}`,
    '\tKbdInteractiveAuthentication no',
    '\tPubkeyAuthentication yes',
    `\tAuthorizedKeysFile ${keyFilePath(sftp, a.user)}`,
    'Match all',
    '',
  ].join('\n');
}

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
]);

/**
 * A client's public key checked strictly: one line `<type> <base64> [comment]`, no
 * options, a type sshd accepts whose blob says the same type, RSA of 3072 bits or more,
 * never a private key. Returns the line to write (comment dropped) and its fingerprint.
 */
export function checkPublicKey(raw: string): { line: string; fingerprint: string } {
  const text = raw.trim();
  if (text.length > 8192 || /[\r\n\0]/.test(text)) throw badPublicKey('more than one line');
  if (/PRIVATE KEY/.test(text)) throw badPublicKey('this is a private key: keep it to yourself');
  const [type, blob] = text.split(/\s+/);
  if (!type || !KEY_TYPES.has(type)) throw badPublicKey(`unknown key type "${(type ?? '').slice(0, 40)}"`);
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) throw badPublicKey('the key itself is not readable');
  // ssh2 is required when a key is first read, not at every daemon start (0.7 MB: issue 25).
  const { utils } = createRequire(import.meta.url)('ssh2') as typeof import('ssh2');
  const parsed = utils.parseKey(`${type} ${blob}`);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey())
    throw badPublicKey('the key itself is not readable');
  const bytes = Buffer.from(blob, 'base64');
  const inner = bytes.subarray(4, 4 + bytes.readUInt32BE(0)).toString('latin1');
  if (inner !== type || parsed.type !== type) throw badPublicKey('its type and content do not match');
  if (type === 'ssh-rsa') {
    const bits = createPublicKey(parsed.getPublicPEM()).asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 3072) throw badPublicKey(`an RSA key of ${bits} bits is too short`);
  }
  const fingerprint = `SHA256:${createHash('sha256').update(bytes).digest('base64').replace(/=+$/, '')}`;
  return { line: `${type} ${blob}\n`, fingerprint };
}

// One change of an sshd configuration at a time per daemon: one job's sshd -t must not test another's half-made set.
const locks = new Map<string, Mutex>();
const lockOf = (key: string) => locks.get(key) ?? locks.set(key, new Mutex()).get(key)!;

async function run(target: Target, argv: string[], stdin?: string) {
  return target.run(argv, { stdin, timeoutMs: 30_000 });
}

/** How long sshd has to restart and answer after a reload: a busy machine makes it slow, a failure says so only then. */
const SSHD_WAIT_MS = 30_000;

/** Whether sshd answers with its banner within `ms`: after a reload, it re-executes itself and listens again. */
async function answers(host: string, port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      const done = (v: boolean) => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(5000, () => done(false));
      s.once('data', (d: Buffer) => done(d.toString('latin1').startsWith('SSH-')));
      s.once('error', () => done(false));
      s.connect(port, host);
    });
    if (ok) return true;
    await wait(100);
  }
  return false;
}

async function reload(target: Target, sftp: SftpConfig): Promise<string | undefined> {
  // A SIGHUP while sshd is still executing itself again (a reload just before) would stop it: it must answer first.
  if (!(await answers(sftp.host, sftp.port, SSHD_WAIT_MS)))
    return `sshd did not answer on ${sftp.host}:${sftp.port} before the reload`;
  const stamp = async () =>
    sftp.pidFile ? (await run(target, ['stat', '-c', '%y', '--', sftp.pidFile])).stdout.trim() : undefined;
  const before = await stamp();
  const failed = await signalOrRun(target, sftp);
  if (failed) return failed;
  // For a moment after the signal, the old listener still answers: sshd has restarted once it
  // wrote its pid file again (after it listens), so nobody connects in the gap between the two.
  if (before === undefined) return undefined;
  // sshd removes its pid file as it restarts, then writes it again: an empty stamp is the gap between.
  for (const deadline = Date.now() + SSHD_WAIT_MS; [before, ''].includes((await stamp()) ?? ''); await wait(50))
    if (Date.now() > deadline)
      return `sshd did not restart within ${SSHD_WAIT_MS / 1000} s: ${sftp.pidFile} was not written again`;
  return undefined;
}

async function signalOrRun(target: Target, sftp: SftpConfig): Promise<string | undefined> {
  if (sftp.pidFile) {
    // sshd writes its pid file again right after it listens: a read in between finds it empty.
    let pid = NaN;
    for (let i = 0; i < 20 && !(pid > 1); i++) {
      if (i) await wait(100);
      pid = Number((await target.readFile(sftp.pidFile))?.toString('utf8').trim());
    }
    if (!Number.isInteger(pid) || pid < 2) return `no sshd pid in ${sftp.pidFile}`;
    const r = await target.signal([pid], 'HUP');
    return r.code === 0 ? undefined : `kill -HUP ${pid}: ${r.stderr.trim()}`;
  }
  const r = await run(target, sftp.reload);
  return r.code === 0 ? undefined : `${sftp.reload.join(' ')} exited with ${r.code}: ${r.stderr.trim()}`;
}

async function putBack(target: Target, previous: PreviousFile[]): Promise<void> {
  for (const f of previous) {
    if (f.content === undefined) await target.remove(f.path);
    else await target.writeFile(f.path, f.content, { mode: 0o600 });
  }
}

/** sshd -T -C for this user: every setting line, `<keyword> <value>` (a list's keyword once per entry). */
async function settingLines(target: Target, sftp: SftpConfig, user: string): Promise<[string, string][]> {
  const r = await run(target, [...sftp.sshd, '-T', '-C', `user=${user},host=localhost,addr=127.0.0.1`]);
  return r.stdout.split('\n').flatMap((line): [string, string][] => {
    const i = line.indexOf(' ');
    return i > 0 ? [[line.slice(0, i).toLowerCase(), line.slice(i + 1).trim()]] : [];
  });
}

/** The effective settings sshd gives this user (sshd -T -C): what a login of the account would get. */
async function effective(target: Target, sftp: SftpConfig, user: string): Promise<Map<string, string>> {
  return new Map(await settingLines(target, sftp, user));
}

/** An sshd pattern (`*`, `?`; PATTERNS in ssh_config(5)) as a whole-name test. */
const sshPattern = (p: string) =>
  new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/**
 * Refuses the account before anything is written when the admin's sshd lets in only the
 * users (AllowUsers) or groups (AllowGroups) it names, and names neither this site's user nor
 * one of its groups: the account would exist and could never log in. Read with sshd -T for
 * that user, so a Match block of the admin's counts too. A `user@host` entry is not taken as
 * allowing it (the client logs in from anywhere) unless its host is `*`; a negated one (`!name`)
 * allows nobody.
 */
export async function checkLoginAllowed(target: Target, sftp: SftpConfig, user: string, domain: string) {
  const lines = await settingLines(target, sftp, user);
  const listed = (k: string) => lines.filter(([key]) => key === k).map(([, v]) => v);
  const users = listed('allowusers');
  const groups = listed('allowgroups');
  if (!users.length && !groups.length) return;
  const fromAnyHost = (p: string) => (p.endsWith('@*') ? p.slice(0, -2) : p);
  const matches = (patterns: string[], names: string[]) =>
    patterns
      .map(fromAnyHost)
      .some((p) => !p.startsWith('!') && !p.includes('@') && names.some((n) => sshPattern(p).test(n)));
  // A site's user not made yet (site.environment's preflight) will have its own group only, named after it.
  const id = groups.length ? await run(target, ['id', '-Gn', '--', user]) : undefined;
  const own = !id ? [] : id.code === 0 ? id.stdout.trim().split(/\s+/) : [user];
  const refusedBy = [
    ...(users.length && !matches(users, [user]) ? [`AllowUsers ${users.join(' ')}`] : []),
    ...(groups.length && !matches(groups, own) ? [`AllowGroups ${groups.join(' ')}`] : []),
  ];
  if (refusedBy.length)
    throw loginNotAllowed(
      domain,
      `sshd -T for ${user} has ${refusedBy.join(' and ')}, which let${refusedBy.length > 1 ? '' : 's'} in neither ${user} nor its groups (${own.join(' ') || 'not read'}): ` +
        `sshd would refuse its every login. Add the site users to it (e.g. AllowUsers w-* beside your own entries), or remove it; nothing was written.`,
    );
}

/**
 * Changes sshd's drop-ins safely: the previous content is checkpointed (onPrevious) before
 * anything is written; then sshd -t, then, when an account is being opened, its effective
 * settings are read back (a drop-in folder sshd_config does not include would leave a
 * password without its chroot), then reload and wait for sshd to answer again. Any failure
 * puts the previous files back, tests and reloads again: an admin's own logins match no
 * block serein writes, and sshd never runs settings it refused.
 */
export async function applySshd(
  ctx: ActionContext,
  target: Target,
  sftp: SftpConfig,
  changes: { path: string; content: string | null }[],
  o: { onPrevious(previous: PreviousFile[]): Promise<void>; expect?: SftpAccount },
): Promise<void> {
  await lockOf(`${target.name}:${sftp.dropInDir}`).run(async () => {
    const previous: PreviousFile[] = [];
    for (const c of changes)
      previous.push({ path: c.path, content: (await target.readFile(c.path))?.toString('utf8') });
    await o.onPrevious(previous);
    let reloaded = false;
    // Before the reload sshd still runs the previous settings: the files go back, nothing more.
    const undo = async (why: string) => {
      await putBack(target, previous);
      if (!reloaded) return;
      const again = await run(target, [...sftp.sshd, '-t']);
      const failed = again.code === 0 ? await reload(target, sftp) : `sshd -t: ${again.stderr.trim()}`;
      if (failed || !(await answers(sftp.host, sftp.port, SSHD_WAIT_MS)))
        await ctx.services.alert({
          kind: 'sshd-restore-failed',
          tenantId: null,
          subject: `sshd:${target.name}`,
          message: `sshd on ${target.name} could not take back its previous settings after ${why}. Check it by hand.`,
          detail: { error: failed ?? 'sshd does not answer' },
        });
    };
    try {
      await target.mkdir(sftp.dropInDir, { mode: 0o755 });
      for (const c of changes) {
        if (c.content === null) await target.remove(c.path);
        else await target.writeFile(c.path, c.content, { mode: 0o600 }); // sshd reads it as root; it names every account
      }
      const t = await run(target, [...sftp.sshd, '-t']);
      if (t.code !== 0) throw sshdRejected(`${t.stderr}${t.stdout}`.trim().slice(-2000));
      if (o.expect) {
        const eff = await effective(target, sftp, o.expect.user);
        const want: [string, string][] = [
          ['chrootdirectory', o.expect.chroot],
          ['allowtcpforwarding', 'no'],
        ];
        const wrong = want.filter(([k, v]) => eff.get(k) !== v);
        if (wrong.length || !eff.get('forcecommand')?.startsWith('internal-sftp'))
          throw sshdRejected(
            `sshd -T for ${o.expect.user} does not apply the account's block (${wrong.map(([k]) => `${k} ${eff.get(k) ?? 'unset'}`).join(', ') || `forcecommand ${eff.get('forcecommand') ?? 'unset'}`}): ` +
              `does sshd_config include ${sftp.dropInDir}/*.conf before its other settings?`,
          );
      }
      reloaded = true;
      const failed = await reload(target, sftp);
      if (failed) throw sshdReloadFailed(failed);
      ctx.reached('sshd-reloaded');
      if (!(await answers(sftp.host, sftp.port, SSHD_WAIT_MS)))
        throw sshdReloadFailed(
          `sshd did not answer on ${sftp.host}:${sftp.port} within ${SSHD_WAIT_MS / 1000} s of the reload`,
        );
    } catch (err) {
      await undo(toOperationError(err).detail ?? String(err));
      throw err;
    }
  });
}

/** Puts back what applySshd changed (an undo after a crash or a later step's failure). */
export async function undoSshd(ctx: ActionContext, target: Target, sftp: SftpConfig, previous: PreviousFile[]) {
  let same = true;
  for (const f of previous) same &&= (await target.readFile(f.path))?.toString('utf8') === f.content;
  if (same) return; // already as before (the change was refused, or this undo ran once)
  await applySshd(
    ctx,
    target,
    sftp,
    previous.map((f) => ({ path: f.path, content: f.content ?? null })),
    { onPrevious: async () => undefined },
  );
}

/** The account's password hash as the system keeps it (`!` locked, `*` none), read to be put back by an undo. */
export async function readHash(target: Target, user: string): Promise<string> {
  const r = await run(target, ['getent', 'shadow', user]);
  const hash = r.code === 0 ? r.stdout.split(':')[1] : undefined;
  if (hash === undefined) throw accountCommandFailed(`getent shadow ${user} exited with ${r.code}`);
  return hash;
}

/** Sets a password (hashed by chpasswd) or a hash as it is (`!` to lock, `*` for keys only); through stdin, never argv. */
export async function setPassword(
  target: Target,
  user: string,
  value: { password: string } | { hash: string },
  masked: (s: string) => string,
): Promise<void> {
  const r =
    'password' in value
      ? await run(target, ['chpasswd'], `${user}:${value.password}\n`)
      : await run(target, ['chpasswd', '-e'], `${user}:${value.hash}\n`);
  if (r.code !== 0)
    throw accountCommandFailed(`chpasswd for ${user} exited with ${r.code}: ${masked(r.stderr.trim())}`);
}

/** The user's id: 0 (root) is never an SFTP account; undefined when there is no such user. */
export async function userId(target: Target, user: string): Promise<number | undefined> {
  const r = await run(target, ['id', '-u', '--', user]);
  return r.code === 0 ? Number(r.stdout.trim()) : undefined;
}

/**
 * The problems sshd would find with this chroot, or with the writable folder (empty: none):
 * the chroot and every folder above it root's, not writable by group or others, no link on
 * the way; the writable folder one level inside, the site user's, not a link.
 */
export async function layoutProblems(target: Target, a: SftpAccount): Promise<string[]> {
  const chain: string[] = [];
  for (let p = a.chroot; ; p = posix.dirname(p)) {
    chain.push(p);
    if (p === '/') break;
  }
  const r = await run(target, ['stat', '-c', '%u %a %F %U', '--', ...chain, a.writable]);
  const lines = r.stdout.split('\n').filter(Boolean);
  if (lines.length !== chain.length + 1) return [`stat: ${r.stderr.trim()}`];
  const problems: string[] = [];
  chain.forEach((p, i) => {
    const [uid, mode, ...rest] = lines[i].split(' ');
    const type = rest.slice(0, -1).join(' ');
    if (type !== 'directory') problems.push(`${p} is a ${type}, not a folder`);
    else if (uid !== '0' || (parseInt(mode, 8) & 0o022) !== 0)
      problems.push(`${p} must be root's and not writable by group or others (chown root:root ${p}; chmod go-w ${p})`);
  });
  const w = lines[chain.length].split(' ');
  if (w.slice(2, -1).join(' ') !== 'directory') problems.push(`${a.writable} is not a folder`);
  else if (w[w.length - 1] !== a.user)
    problems.push(`${a.writable} must belong to ${a.user} (chown ${a.user} ${a.writable})`);
  if (posix.dirname(a.writable) !== a.chroot) problems.push(`${a.writable} is not one level inside ${a.chroot}`);
  return problems;
}
