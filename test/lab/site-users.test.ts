/**
 * The lab's teardown removes what tests' sites left on the machine, and only that: a killed
 * SFTP test's folder under /srv and its site user, and the names of deleted site users in
 * cron's and at's deny files; a live test's folder, its user and their names stay.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { siteUserName } from '../../src/actions/site-user.js';
import { removeLeftSiteUsers, srvTestDir } from './site-users.ts';

const DENY = ['/etc/cron.deny', '/etc/at.deny'];
const hex = () => randomBytes(4).toString('hex');
const exists = (user: string) => spawnSync('id', ['-u', user]).status === 0;
const denied = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []);
/** Names a user in the deny files as serein does (under flock of each file). */
const deny = (user: string) => {
  for (const f of DENY) spawnSync('flock', [f, 'sh', '-c', 'printf "%s\\n" "$1" >> "$2"', 'sh', user, f]);
};
/** A site user as serein makes one for `domain`, homed in `<dir>/www/<domain>`, named in the deny files. */
function siteUser(dir: string, domain: string): string {
  const user = siteUserName(domain);
  const home = join(dir, 'www', domain);
  mkdirSync(home, { recursive: true });
  const made = spawnSync('useradd', [
    '-r',
    '-M',
    '-U',
    '-d',
    home,
    '-s',
    '/usr/sbin/nologin',
    '-c',
    `serein site ${domain} t`,
    user,
  ]);
  expect(made.status, String(made.stderr)).toBe(0);
  deny(user);
  return user;
}

// A test folder of a process that has ended (its pid taken from a program that ran and exited).
const deadPid = spawnSync('true').pid;
const killed = join('/srv', `serein-sftp-${deadPid}-${hex()}`);
let live = '';
const users: string[] = [];

afterAll(() => {
  for (const u of users) if (exists(u)) spawnSync('userdel', [u]);
  if (live) rmSync(live, { recursive: true, force: true });
  rmSync(killed, { recursive: true, force: true });
  removeLeftSiteUsers(); // the live test's names, its user gone now
});

it("removes a killed test's /srv folder, its site user and deleted users' names; keeps a live test's", () => {
  mkdirSync(killed, { mode: 0o755 });
  const left = siteUser(killed, `${hex()}.test`);
  live = srvTestDir();
  const kept = siteUser(live, `${hex()}.test`);
  // A site user a test removed with userdel, whose name stayed in the deny files.
  const deleted = siteUser(live, `${hex()}.test`);
  users.push(left, kept, deleted);
  expect(spawnSync('userdel', [deleted]).status).toBe(0);

  const removed = removeLeftSiteUsers();

  expect(existsSync(killed)).toBe(false);
  expect(removed).toContain(left);
  expect(exists(left)).toBe(false);
  expect(existsSync(live)).toBe(true);
  expect(exists(kept)).toBe(true);
  for (const f of DENY) {
    expect(denied(f), f).not.toContain(left);
    expect(denied(f), f).not.toContain(deleted);
    expect(denied(f), f).toContain(kept);
  }
});
