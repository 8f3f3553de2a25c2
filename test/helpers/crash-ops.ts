/**
 * The crash tests' operation chooser (test/crash-everything.test.ts, test/crash-multi-daemon.test.ts):
 * the random but replayable side of the tests, apart from their checks (crash-checks.ts).
 */

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the store knows: this test's sites, active certificates and databases. */
export interface Model {
  sites: { name: string; webserver: string }[];
  active: { id: string; site: string; serial: string }[];
  databases: { server: string; name: string; database: string }[];
  /** Copies in the trash (deleted databases and site files), restorable. */
  trash: { id: string; kind: string; name: string }[];
}

/** One operation of a round: who asks, and the site or database it names (one op per name in a round). */
export interface Op {
  playbook: string;
  inputs: Record<string, unknown>;
  as: string;
  key: string;
}

/** Where a round's operations may go, and who asks for them. */
export interface OpWorld {
  rand: () => number;
  reg: string;
  webservers: string[];
  certWebservers: Set<string>;
  dbServers: string[];
  client: string;
  admin: string;
  /** Web servers offering PHP: half the sites made there run it, in their own pool (issue 23). */
  phpWebservers?: Set<string>;
}

let counter = 0;
/** A round's operations, chosen from what the store holds now; each names a different site or database. */
export function chooseOps(w: OpWorld, m: Model, n: number): Op[] {
  const { rand, reg, webservers, certWebservers, dbServers, client } = w;
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const used = new Set<string>();
  const ops: Op[] = [];
  const activeSites = new Set(m.active.map((c) => c.site));
  for (let tries = 0; ops.length < n && tries < 50; tries++) {
    const kinds: [string, number][] = [
      ['vhost.create', m.sites.length < 16 ? 3 : 0],
      ['vhost.delete', m.sites.length > 2 ? 2 : 0],
      ['certificate.issue', 3],
      ['certificate.renew', 2],
      ['database.create', m.databases.length < 16 ? 3 : 0],
      ['database.delete', m.databases.length > 2 ? 2 : 0],
      ['trash.restore', m.trash.length ? 2 : 0],
    ];
    let r = rand() * kinds.reduce((s, [, w]) => s + w, 0);
    const kind = kinds.find(([, w]) => (r -= w) < 0)?.[0] ?? 'vhost.create';
    if (kind === 'vhost.create') {
      const name = `s${++counter}.${reg}`;
      const webserver = pick(webservers);
      const php = w.phpWebservers?.has(webserver) && rand() < 0.5 ? { php: true } : {};
      ops.push({ playbook: kind, inputs: { webserver, domain: name, ...php }, as: client, key: name });
    } else if (kind === 'vhost.delete') {
      const s = m.sites.filter((x) => !used.has(x.name));
      if (!s.length) continue;
      const site = pick(s);
      ops.push({
        playbook: kind,
        inputs: { domain: site.name, confirm: site.name, removeFiles: rand() < 0.5 },
        as: client,
        key: site.name,
      });
    } else if (kind === 'certificate.issue') {
      const s = m.sites.filter((x) => !used.has(x.name) && certWebservers.has(x.webserver) && !activeSites.has(x.name));
      if (!s.length) continue;
      const site = pick(s);
      ops.push({ playbook: kind, inputs: { domains: [site.name] }, as: client, key: site.name });
    } else if (kind === 'certificate.renew') {
      const c = m.active.filter((x) => !used.has(x.site) && m.sites.some((s) => s.name === x.site));
      if (!c.length) continue;
      const cert = pick(c);
      ops.push({ playbook: kind, inputs: { certificate: cert.id, site: cert.site }, as: w.admin, key: cert.site });
    } else if (kind === 'database.create') {
      const name = `d${++counter}`;
      ops.push({ playbook: kind, inputs: { server: pick(dbServers), name }, as: client, key: name });
    } else if (kind === 'trash.restore') {
      // Under a new name, so it never meets a name taken since (that refusal is tested in test/trash.test.ts).
      const t = m.trash.filter((x) => !used.has(x.id));
      if (!t.length) continue;
      const item = pick(t);
      const name = `r${++counter}`;
      ops.push({
        playbook: kind,
        inputs: { item: item.id, ...(item.kind === 'database' ? { name } : { site: `${name}.${reg}` }) },
        as: client,
        key: item.id,
      });
    } else {
      const d = m.databases.filter((x) => !used.has(x.database));
      if (!d.length) continue;
      const db = pick(d);
      ops.push({
        playbook: kind,
        inputs: { server: db.server, name: db.name, confirm: db.database },
        as: client,
        key: db.database,
      });
    }
    used.add(ops[ops.length - 1].key);
  }
  return ops;
}
