import { z } from 'zod';
import type { ActionContext, PlanItem } from '../engine/action.js';
import { parseDomain } from '../dns/domain.js';
import { defineAction } from '../engine/action.js';
import { unifiedDiff } from '../diff.js';
import { generatePassword } from '../secrets.js';
import { accountExists, keysOnly, noAccount } from './sftp-errors.js';
import {
  applySshd,
  checkPublicKey,
  checkLoginAllowed,
  dropInPath,
  keyFilePath,
  readHash,
  renderDropIn,
  setPassword,
  undoSshd,
  userId,
  type PreviousFile,
} from './sftp-sshd.js';
import { endSftpSessions } from './site-user-access.js';
import { access, accountOf, opened, sealed, SFTP_KIND, siteOf, type SftpRecord } from './sftp-site.js';

// SFTP access to a site (playbooks sftp.create, sftp.reset, sftp.delete).
//
// The account IS the site's own system user (its shell nologin), given a password or a
// key and locked by sshd in the site's folder: what the client uploads belongs to the
// site's user from the start, so the site's PHP (which runs as that user) reads and
// writes it, and no second user, group or umask has to be kept in step with the site.
// One site, one account; the site's files are the only thing it can ever reach.

const createParams = z.object({
  domain: z.string().min(1),
  /** The client's public key (one line of its .pub file); absent: a generated password. */
  publicKey: z.string().max(8192).optional(),
});

interface CreateCheckpoint {
  domain: string;
  webserver: string;
  user: string;
  dropIn?: PreviousFile[];
  /** The password hash before, sealed (a hash is still worth guarding). */
  hash?: string;
  key?: PreviousFile;
  recorded?: boolean;
}

const keyOnlyLine = (p: { publicKey?: string }) => (p.publicKey?.trim() ? checkPublicKey(p.publicKey) : undefined);

/** Preflight of sftp.create: the site, its layout, no account yet, the key; changes nothing. */
export const sftpCheck = defineAction({
  name: 'sftp.check',
  params: createParams,
  async plan() {
    return [];
  },
  async run(ctx, p) {
    const s = await siteOf(ctx, p.domain, { lookAtDisk: true });
    if (s.record) throw accountExists(s.domain);
    const key = keyOnlyLine(p);
    if (!key && !s.sftp.passwordAuthentication) throw keysOnly(s.domain);
    await checkLoginAllowed(s.target, s.sftp, s.account.user, s.domain);
    return { domain: s.domain, username: s.account.user, key: !!key };
  },
});

/**
 * Opens SFTP access to a site: the account's sshd block first (tested, read back, reloaded),
 * then its password or key, then the record. The way in never exists before the chroot.
 */
export const sftpCreate = defineAction({
  name: 'sftp.create',
  params: createParams,
  async plan(ctx, p) {
    const s = await siteOf(ctx, p.domain, { lookAtDisk: true });
    const key = keyOnlyLine(p);
    const file = dropInPath(s.sftp, s.account.user);
    const before = (await s.target.readFile(file))?.toString('utf8');
    const items: PlanItem[] = [
      {
        kind: 'file',
        target: s.ws.target,
        summary: { en: `write ${file}`, fr: `écrire ${file}` },
        diff: unifiedDiff(file, before, renderDropIn(s.sftp, s.account, s.domain)),
      },
      {
        kind: 'program',
        target: s.ws.target,
        summary: {
          en: "test the file access server's settings (sshd -t), then reload it",
          fr: "tester les réglages du serveur d'accès aux fichiers (sshd -t), puis le recharger",
        },
        argv: [...s.sftp.sshd, '-t'],
      },
      key
        ? {
            kind: 'file',
            target: s.ws.target,
            summary: {
              en: `allow the key ${key.fingerprint} for ${s.account.user}`,
              fr: `autoriser la clé ${key.fingerprint} pour ${s.account.user}`,
            },
          }
        : {
            kind: 'note',
            summary: {
              en: `give ${s.account.user} a generated password (shown once in the result)`,
              fr: `donner à ${s.account.user} un mot de passe généré (affiché une seule fois dans le résultat)`,
            },
          },
      {
        kind: 'record',
        summary: { en: `record SFTP access to ${s.domain}`, fr: `enregistrer l'accès SFTP de ${s.domain}` },
      },
    ];
    return items;
  },
  async run(ctx, p) {
    const s = await siteOf(ctx, p.domain, { lookAtDisk: true });
    if (s.record) throw accountExists(s.domain);
    const key = keyOnlyLine(p);
    if (!key && !s.sftp.passwordAuthentication) throw keysOnly(s.domain);
    // Again here: site.environment runs this without sftp.check, and an admin may have changed sshd since.
    await checkLoginAllowed(s.target, s.sftp, s.account.user, s.domain);
    const cp: CreateCheckpoint = { domain: s.domain, webserver: s.webserver, user: s.account.user };
    await applySshd(
      ctx,
      s.target,
      s.sftp,
      [{ path: dropInPath(s.sftp, s.account.user), content: renderDropIn(s.sftp, s.account, s.domain) }],
      {
        expect: s.account,
        onPrevious: async (previous) => {
          cp.dropIn = previous;
          await ctx.checkpoint(cp);
        },
      },
    );
    ctx.log(`sshd locks ${s.account.user} in ${s.account.chroot}`);
    const keyFile = keyFilePath(s.sftp, s.account.user);
    cp.hash = sealed(ctx, await readHash(s.target, s.account.user));
    cp.key = { path: keyFile, content: (await s.target.readFile(keyFile))?.toString('utf8') };
    await ctx.checkpoint(cp);
    ctx.reached('sftp-credentials');
    let password: string | undefined;
    if (key) {
      await s.target.mkdir(s.sftp.keysDir, { mode: 0o755 });
      await s.target.writeFile(keyFile, key.line, { mode: 0o644, owner: 'root:root' });
      // '*': no password, but not locked either (sshd without PAM refuses a locked account's keys too).
      await setPassword(s.target, s.account.user, { hash: '*' }, (t) => ctx.secrets.mask(t));
    } else {
      await s.target.remove(keyFile);
      password = ctx.secrets.add(generatePassword(24));
      await setPassword(s.target, s.account.user, { password }, (t) => ctx.secrets.mask(t));
    }
    ctx.reached('sftp-credentials-set');
    cp.recorded = true;
    await ctx.checkpoint(cp);
    const record: SftpRecord = {
      webserver: s.webserver,
      user: s.account.user,
      chroot: s.account.chroot,
      writable: s.account.writable,
      password: !key,
      keyFingerprint: key?.fingerprint,
    };
    await ctx.services.store.tenants.putResource({
      kind: SFTP_KIND,
      name: s.domain,
      tenantId: s.tenantId,
      data: record as unknown as Record<string, unknown>,
    });
    return access(s, password, key?.fingerprint);
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as CreateCheckpoint | undefined;
    if (!cp) return;
    const ws = ctx.services.nginx.webserver(cp.webserver);
    const target = ctx.services.target(ws.target);
    if (cp.recorded) await ctx.services.store.tenants.removeResource(SFTP_KIND, cp.domain);
    // The way in goes first, then the chroot: never a password without its block.
    if (cp.key) {
      if (cp.key.content === undefined) await target.remove(cp.key.path);
      else await target.writeFile(cp.key.path, cp.key.content, { mode: 0o644, owner: 'root:root' });
    }
    if (cp.hash) await setPassword(target, cp.user, { hash: opened(ctx, cp.hash) }, (t) => ctx.secrets.mask(t));
    if (cp.dropIn && ws.sftp) await undoSshd(ctx, target, ws.sftp, cp.dropIn);
  },
});

const accountParams = z.object({ domain: z.string().min(1) });

interface ResetCheckpoint {
  webserver: string;
  user: string;
  hash: string;
}

/** Gives the account a new generated password, shown once; the old one stops working at once. */
export const sftpReset = defineAction({
  name: 'sftp.reset',
  params: accountParams,
  async plan(ctx, p) {
    const s = await siteOf(ctx, p.domain, { lookAtDisk: false });
    if (!s.record) throw noAccount(s.domain);
    return [
      {
        kind: 'note',
        summary: {
          en: `give ${s.account.user} a new generated password (shown once); the old one stops working`,
          fr: `donner à ${s.account.user} un nouveau mot de passe généré (affiché une seule fois) ; l'ancien ne fonctionne plus`,
        },
      },
    ];
  },
  async run(ctx, p) {
    const s = await siteOf(ctx, p.domain, { lookAtDisk: false });
    if (!s.record) throw noAccount(s.domain);
    if (!s.sftp.passwordAuthentication) throw keysOnly(s.domain);
    const cp: ResetCheckpoint = {
      webserver: s.webserver,
      user: s.record.user,
      hash: sealed(ctx, await readHash(s.target, s.record.user)),
    };
    await ctx.checkpoint(cp);
    const password = ctx.secrets.add(generatePassword(24));
    await setPassword(s.target, s.record.user, { password }, (t) => ctx.secrets.mask(t));
    // A session opened with the old password stays open through the change: it is ended too.
    if (await endSftpSessions(s.target, s.record.user)) ctx.log(`closed the open SFTP sessions of ${s.record.user}`);
    ctx.reached('sftp-password-set');
    await ctx.services.store.tenants.putResource({
      kind: SFTP_KIND,
      name: s.domain,
      tenantId: s.tenantId,
      data: { ...s.record, password: true } as unknown as Record<string, unknown>,
    });
    return access(s, password, s.record.keyFingerprint);
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as ResetCheckpoint | undefined;
    if (!cp) return;
    const target = ctx.services.target(ctx.services.nginx.webserver(cp.webserver).target);
    await setPassword(target, cp.user, { hash: opened(ctx, cp.hash) }, (t) => ctx.secrets.mask(t));
  },
});

/** Whether this site has SFTP access recorded (whoever's: accountOf then says whether it is the caller's). */
const open = async (ctx: ActionContext, domain: string) =>
  !!(await ctx.services.store.tenants.getResource(SFTP_KIND, parseDomain(domain, false)));

interface DeleteCheckpoint {
  domain: string;
  tenantId: string;
  record: SftpRecord;
  /** Absent when the site's user was already gone (its site deleted): nothing to lock. */
  hash?: string;
  key: PreviousFile;
  dropIn?: PreviousFile[];
  forgotten?: boolean;
}

/**
 * Closes SFTP access: the password is locked and the key removed first (nobody can log in
 * from then on), then the account's sshd block goes, then the record. The site and its
 * files stay as they are; an account whose site (and user) went first is closed all the same.
 */
export const sftpDelete = defineAction({
  name: 'sftp.delete',
  params: accountParams.extend({
    /**
     * vhost.delete's first step: close the site's access if it has one, nothing otherwise. A
     * site's user is named after its domain, so an account left behind would let its key in
     * again the day the same name is a site again, perhaps another tenant's.
     */
    ifOpen: z.boolean().default(false),
  }),
  async plan(ctx, p) {
    if (p.ifOpen && !(await open(ctx, p.domain))) return [];
    const s = await accountOf(ctx, p.domain);
    const file = dropInPath(s.sftp, s.record.user);
    const before = (await s.target.readFile(file))?.toString('utf8');
    return [
      {
        kind: 'note',
        summary: {
          en: `lock the password of ${s.record.user} and remove its key`,
          fr: `verrouiller le mot de passe de ${s.record.user} et retirer sa clé`,
        },
      },
      {
        kind: 'file',
        target: s.ws.target,
        summary: { en: `remove ${file}`, fr: `supprimer ${file}` },
        diff: unifiedDiff(file, before, undefined),
      },
      {
        kind: 'program',
        target: s.ws.target,
        summary: {
          en: "test the file access server's settings (sshd -t), then reload it",
          fr: "tester les réglages du serveur d'accès aux fichiers (sshd -t), puis le recharger",
        },
        argv: [...s.sftp.sshd, '-t'],
      },
      {
        kind: 'record',
        summary: { en: `forget SFTP access to ${s.domain}`, fr: `retirer l'accès SFTP de ${s.domain}` },
      },
    ];
  },
  async run(ctx, p) {
    if (p.ifOpen && !(await open(ctx, p.domain))) return { domain: p.domain, removed: false };
    const s = await accountOf(ctx, p.domain);
    const user = s.record.user;
    const keyFile = keyFilePath(s.sftp, user);
    const exists = (await userId(s.target, user)) !== undefined;
    const cp: DeleteCheckpoint = {
      domain: s.domain,
      tenantId: s.tenantId,
      record: s.record,
      hash: exists ? sealed(ctx, await readHash(s.target, user)) : undefined,
      key: { path: keyFile, content: (await s.target.readFile(keyFile))?.toString('utf8') },
    };
    await ctx.checkpoint(cp);
    if (exists) await setPassword(s.target, user, { hash: '!' }, (t) => ctx.secrets.mask(t));
    await s.target.remove(keyFile);
    // Locked, it cannot log in again; a session already open is ended (its PHP, if any, runs on).
    if (exists && (await endSftpSessions(s.target, user))) ctx.log(`closed the open SFTP sessions of ${user}`);
    ctx.log(`${user} can no longer log in`);
    ctx.reached('sftp-locked');
    await applySshd(ctx, s.target, s.sftp, [{ path: dropInPath(s.sftp, user), content: null }], {
      onPrevious: async (previous) => {
        cp.dropIn = previous;
        await ctx.checkpoint(cp);
      },
    });
    cp.forgotten = true;
    await ctx.checkpoint(cp);
    await ctx.services.store.tenants.removeResource(SFTP_KIND, s.domain);
    return { domain: s.domain, removed: true };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as DeleteCheckpoint | undefined;
    if (!cp) return;
    const ws = ctx.services.nginx.webserver(cp.record.webserver);
    const target = ctx.services.target(ws.target);
    if (cp.forgotten)
      await ctx.services.store.tenants.putResource({
        kind: SFTP_KIND,
        name: cp.domain,
        tenantId: cp.tenantId,
        data: cp.record as unknown as Record<string, unknown>,
      });
    // The chroot back before the way in.
    if (cp.dropIn && ws.sftp) await undoSshd(ctx, target, ws.sftp, cp.dropIn);
    if (cp.key.content !== undefined)
      await target.writeFile(cp.key.path, cp.key.content, { mode: 0o644, owner: 'root:root' });
    if (cp.hash) await setPassword(target, cp.record.user, { hash: opened(ctx, cp.hash) }, (t) => ctx.secrets.mask(t));
  },
});

/** The actions of SFTP access, registered in ./index.ts. */
export const sftpActions = [sftpCheck, sftpCreate, sftpReset, sftpDelete];
