import { z } from 'zod';
import { checkCaa } from '../dns/caa.js';
import type { Repair } from '../dns/check.js';
import { checkAddresses } from '../dns/checks-addresses.js';
import { cloudflareReason, parseCaaContent } from '../dns/cloudflare.js';
import type { DnsProviders, Located } from '../dns/provider.js';
import { checkName } from '../dns/names.js';
import type { ActionContext } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { dnsZoneUnavailable } from '../certificates/errors.js';
import { confirmationRequired } from '../errors.js';
import { canonicalIp } from '../net/address-policy.js';

const params = z.object({
  domain: z.string().min(1),
  challenge: z.enum(['http-01', 'dns-01']).default('http-01'),
  webserver: z.string().optional(),
  /** Must be true: DNS changes are made only on explicit confirmation (see them first with a dry run). */
  confirm: z.boolean().default(false),
});
type Params = z.output<typeof params>;

/** One change made, with what undoing it needs: the record set as it was. */
interface Applied {
  zone: string;
  repair: Repair;
  before: string[];
}

/**
 * The repairs serein can make for a name: the repairable failures of the address and
 * CAA checks (stale AAAA, A pointing elsewhere, missing A, CAA without our CA).
 */
async function repairsFor(ctx: ActionContext, p: Params): Promise<Repair[]> {
  const all = await allRepairs(ctx, p);
  if (!ctx.tenantId) return all;
  // A client changes only records under their own domains (a CAA set may sit on a parent).
  const mine: Repair[] = [];
  for (const r of all) if ((await ctx.services.store.tenants.domainOwner(r.name)) === ctx.tenantId) mine.push(r);
  return mine;
}

async function allRepairs(ctx: ActionContext, p: Params): Promise<Repair[]> {
  const cc = ctx.services.certificates;
  const names = checkName(p.domain, ctx.services.config.dns.extraSuffixes);
  if (!names.ascii || !names.registered) return [];
  const webservers = Object.values(ctx.services.nginx.all);
  const ws = p.webserver ? ctx.services.nginx.all[p.webserver] : webservers.length === 1 ? webservers[0] : undefined;
  const dns = ctx.services.dns;
  const [addr, caa] = await Promise.all([
    names.wildcard ? Promise.resolve({ checks: [] }) : checkAddresses(dns, names.ascii, p.challenge, ws),
    checkCaa(dns, names.ascii, names.suffix ?? '', p.challenge, await cc.accounts.identities()),
  ]);
  return [...addr.checks, caa.check].filter((c) => c.status !== 'ok' && c.repair).map((c) => c.repair!);
}

const noProvider = (domain: string, why: string) => dnsZoneUnavailable(domain, why);

async function locate(providers: DnsProviders, name: string): Promise<Located> {
  let found: Located | null;
  try {
    found = await providers.locate(name);
  } catch (err) {
    throw noProvider(name, cloudflareReason(err));
  }
  if (!found)
    throw noProvider(
      name,
      providers.configured ? 'no configured provider holds this name' : 'no DNS provider configured',
    );
  return found;
}

const sameContent = (type: string, a: string, b: string) =>
  type === 'A' || type === 'AAAA'
    ? canonicalIp(a) === canonicalIp(b)
    : type === 'CAA'
      ? JSON.stringify(parseCaaContent(a)) === JSON.stringify(parseCaaContent(b))
      : a === b;

/** The record set after a repair, or null when it is already as the repair wants. */
function afterRepair(r: Repair, before: string[]): string[] | null {
  if (r.op === 'create') return before.some((c) => sameContent(r.type, c, r.to!)) ? null : [...before, r.to!];
  if (!before.some((c) => sameContent(r.type, c, r.from!))) return null;
  if (r.op === 'delete') return before.filter((c) => !sameContent(r.type, c, r.from!));
  const next = before.map((c) => (sameContent(r.type, c, r.from!) ? r.to! : c));
  return next.filter((c, i) => next.findIndex((x) => sameContent(r.type, x, c)) === i);
}

/**
 * dns.fix: makes, at the DNS provider holding the zone (Cloudflare, RFC 2136, PowerDNS),
 * the DNS changes the diagnosis proposes for a name, only when the caller confirmed (a
 * dry run shows them first). Each record set is checkpointed as it was before it is
 * replaced, audited, and put back if a later change fails.
 */
export const dnsRepair = defineAction({
  name: 'dns.repair',
  params,
  async plan(ctx, p) {
    const repairs = await repairsFor(ctx, p);
    if (!repairs.length)
      return [
        {
          kind: 'note',
          summary: {
            en: `nothing serein can repair for ${p.domain}`,
            fr: `rien que serein puisse réparer pour ${p.domain}`,
          },
        },
      ];
    return repairs.map((r) => ({ kind: 'record' as const, summary: r.summary }));
  },
  async run(ctx, p) {
    if (!p.confirm) {
      throw confirmationRequired(
        {
          en: 'DNS changes are made only when you confirm them.',
          fr: 'Les modifications DNS ne sont faites que lorsque vous les confirmez.',
        },
        {
          en: 'Look at the changes with a dry run, then run again with confirm: true.',
          fr: 'Regardez les modifications avec un essai à blanc, puis relancez avec confirm: true.',
        },
      );
    }
    const providers = ctx.services.certificates.providers;
    for (const secret of providers.secrets) ctx.secrets.add(secret); // a DNS host's error must not print its key
    const repairs = await repairsFor(ctx, p);
    if (!repairs.length) return { applied: [], message: `nothing to repair for ${p.domain}` };
    const applied: Applied[] = [];
    for (const r of repairs) {
      const { provider, zone } = await locate(providers, r.name);
      const before = await provider.read(zone, r.name, r.type);
      const after = afterRepair(r, before);
      if (!after) continue;
      const entry: Applied = { zone, repair: r, before };
      await ctx.checkpoint({ applied: [...applied, entry] });
      await provider.replace(zone, r.name, r.type, after, 300);
      applied.push(entry);
      await ctx.checkpoint({ applied });
      ctx.log(r.summary.en);
      await ctx.services.store.audit.append({
        tokenId: null,
        tenantId: ctx.tenantId,
        action: `dns.${r.op}`,
        subject: `dns:${r.name}`,
        inputs: { type: r.type, name: r.name, from: r.from ?? null, to: r.to ?? null },
        plan: undefined,
        result: 'done',
        detail: { jobId: ctx.jobId, zone, provider: provider.kind, before, after },
      });
    }
    return { applied: applied.map((a) => a.repair.summary[ctx.language]) };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as { applied: Applied[] } | undefined;
    if (!cp) return;
    const providers = ctx.services.certificates.providers;
    for (const a of [...cp.applied].reverse()) {
      const { provider, zone } = await locate(providers, a.repair.name);
      await provider.replace(zone, a.repair.name, a.repair.type, a.before, 300);
      await ctx.services.store.audit.append({
        tokenId: null,
        tenantId: ctx.tenantId,
        action: `dns.undo.${a.repair.op}`,
        subject: `dns:${a.repair.name}`,
        inputs: { type: a.repair.type, name: a.repair.name },
        plan: undefined,
        result: 'done',
        detail: { jobId: ctx.jobId, zone, restored: a.before },
      });
    }
  },
});

/** DNS actions, registered in src/actions/index.ts. */
export const dnsActions = [dnsRepair];
