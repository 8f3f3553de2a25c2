import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineAction, type ActionContext } from '../engine/action.js';
import { existing } from '../db/provision.js';
import { parseDomain } from '../dns/domain.js';
import { Mutex } from '../util/concurrency.js';
import { base, databaseCreate, resolve, withSession } from './database.js';
import { environmentNoDatabaseName } from './site-environment-errors.js';

/** A database's short name: at most database.create's 15 characters (SHORT_NAME_PATTERN). */
const SHORT_NAME_MAX = 15;
/** Letters of the site's label kept in front of the disambiguating hash (the rest: `_` and 4 hex digits). */
const CUT = 10;

/**
 * The database short names to try for a site, best first, all valid for database.create
 * (lower-case letters, digits and `_`, a letter first, 15 characters at most). First the
 * site's first label as it is, letters and digits only ("shop.exemple.fr": shop) when it
 * fits. A label too long is cut, and a cut or taken name is disambiguated by the site's
 * own name: its first 10 letters, `_`, then 4 hex digits of the SHA-256 of the whole domain
 * (and of `<domain>#<n>` for the next tries), so "boutique-staging.exemple.fr" and
 * "boutique-stagiaire.exemple.fr", or "shop.a.fr" and "shop.b.fr", get different names
 * that still say which site they are for. Which one is free is decided by
 * environment.database, under the tenant's lock and against the server's own list.
 */
export function databaseNamesFor(domain: string): string[] {
  const label = domain
    .split('.')[0]
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  const name = /^[a-z]/.test(label) ? label : `site${label}`;
  const hashed = (n: number) =>
    `${name.slice(0, CUT)}_${createHash('sha256')
      .update(n ? `${domain}#${n}` : domain)
      .digest('hex')
      .slice(0, 4)}`;
  const names = name.length <= SHORT_NAME_MAX ? [name] : [];
  for (let n = 0; names.length < 9; n++) names.push(hashed(n));
  return names;
}

const params = base.extend({
  /** The site the database is for: the names tried are made from it. */
  domain: z.string().min(1),
  rotatePassword: z.literal(false).default(false),
});

/** This daemon's side of a tenant's database lock (the store's lock is the other daemons' side). */
const mutexes = new Map<string, Mutex>();
const mutexOf = (key: string) => mutexes.get(key) ?? mutexes.set(key, new Mutex()).get(key)!;

/**
 * The first of the names tried that is free: neither recorded by serein (for this tenant or
 * another) nor on the server, as a database or a user, whoever made it there.
 */
async function freeName(ctx: ActionContext, p: z.output<typeof params>, names: string[]): Promise<string> {
  return withSession(ctx, p.server, async (s) => {
    for (const name of names) {
      const r = await resolve(ctx, { ...p, name });
      if (r.record) continue;
      const found = await existing(s, r.spec);
      if (!found.database && !found.user) return name;
      ctx.log(`${r.spec.database} is already on ${p.server}: trying the next name`);
    }
    throw environmentNoDatabaseName(p.domain, names, true);
  });
}

/**
 * database.create inside a whole environment, with the name chosen as it is created: two
 * environments of one tenant made at once (their sites' locks differ) would otherwise both
 * take the name the preflight found free, and the second would fail whole. Under the
 * tenant's database lock on that server (`database:<server>:<tenant>`, held in this daemon
 * and across the daemons sharing the store), the first free name of the site's (the
 * preflight's first) is read against the server's own list and created before the lock
 * is let go. Its undo is database.create's, from its checkpoint (which names the database).
 */
export const environmentDatabase = defineAction({
  ...databaseCreate,
  name: 'environment.database',
  params,
  async plan(ctx, p) {
    return databaseCreate.plan(ctx, p);
  },
  async run(ctx, p) {
    const domain = parseDomain(p.domain, false);
    const { tenant } = await resolve(ctx, p);
    const names = [...new Set([p.name, ...databaseNamesFor(domain)])];
    const key = `database:${p.server}:${tenant}`;
    return mutexOf(key).run(() =>
      ctx.services.store.locks.hold(key, async () => {
        const name = await freeName(ctx, { ...p, domain }, names);
        if (name !== p.name) ctx.log(`the database is named ${name}: ${p.name} was taken meanwhile`);
        return databaseCreate.run(ctx, { ...p, name });
      }),
    );
  },
});
