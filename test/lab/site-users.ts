/**
 * The system users tests' sites leave behind. A web server on a local or SSH target gives each
 * new site its own user (useradd -r: uids 100-999, a few hundred at most); a test whose daemon
 * stops without deleting its sites (with their files) leaves that user. At the lab's teardown,
 * an account serein made for a site ("serein site <domain>") whose test folder is gone (the
 * home's web root's parent: nothing of that test runs any more) is removed with its group.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Removes the site users whose test folder is gone; returns their names. */
export function removeLeftSiteUsers(): string[] {
  const passwd = spawnSync('getent', ['passwd'], { encoding: 'utf8' });
  if (passwd.status !== 0) return [];
  const removed: string[] = [];
  for (const line of passwd.stdout.split('\n')) {
    const [name, , , , comment, home] = line.split(':');
    if (!name || !comment?.startsWith('serein site ') || !home?.startsWith('/tmp/')) continue;
    // <test folder>/www/<domain>: another run's live test still has its folder.
    if (existsSync(dirname(dirname(home)))) continue;
    if (spawnSync('userdel', ['--', name]).status !== 0) continue;
    spawnSync('groupdel', ['--', name]);
    removed.push(name);
  }
  return removed;
}
