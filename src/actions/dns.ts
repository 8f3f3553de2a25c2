import { z } from 'zod';
import { certificateContext } from '../certificates/context.js';
import { canonicalIp } from '../dns/addresses.js';
import { checkCaa } from '../dns/caa.js';
import type { Repair } from '../dns/check.js';
import { checkAddresses } from '../dns/checks-addresses.js';
import { cloudflareReason, parseCaaContent, type CloudflareDns, type DnsRecord } from '../dns/cloudflare.js';
import { checkName } from '../dns/names.js';
import type { ActionContext } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { OperationError } from '../errors.js';

const params = z.object({
  domain: z.string().min(1),
  challenge: z.enum(['http-01', 'dns-01']).default('http-01'),
  webserver: z.string().optional(),
  /** Must be true: DNS changes are made only on explicit confirmation (see them first with a dry run). */
  confirm: z.boolean().default(false),
});
type Params = z.output<typeof params>;

/** One change made, with what undoing it needs. */
interface Applied { zoneId: string; repair: Repair; created?: string; deleted?: DnsRecord; updated?: { id: string; before: DnsRecord } }

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
  const cc = certificateContext(ctx.services);
  const names = checkName(p.domain, ctx.services.config.dns.extraSuffixes);
  if (!names.ascii || !names.registered) return [];
  const ws = p.webserver ? ctx.services.config.webservers[p.webserver] : Object.values(ctx.services.config.webservers).length === 1 ? Object.values(ctx.services.config.webservers)[0] : undefined;
  const [addr, caa] = await Promise.all([
    names.wildcard ? Promise.resolve({ checks: [] }) : checkAddresses(cc.dns, names.ascii, p.challenge, ws),
    checkCaa(cc.dns, names.ascii, names.suffix ?? '', p.challenge, await cc.accounts.identities()),
  ]);
  return [...addr.checks, caa.check].filter((c) => c.status !== 'ok' && c.repair).map((c) => c.repair!);
}

function noCloudflare(domain: string, why: string): OperationError {
  return new OperationError(
    'dns_zone_unavailable',
    { en: `serein cannot change the DNS of ${domain}: it is not in the Cloudflare account serein manages.`, fr: `serein ne peut pas modifier le DNS de ${domain} : il n'est pas dans le compte Cloudflare que gère serein.` },
    { en: 'Make the change yourself at your DNS host, as the diagnosis explains.', fr: 'Faites la modification vous-même chez votre hébergeur DNS, comme l’explique le diagnostic.' },
    why,
    409,
  );
}

async function zoneOf(cf: CloudflareDns | null, domain: string): Promise<{ cf: CloudflareDns; zoneId: string }> {
  if (!cf) throw noCloudflare(domain, 'no Cloudflare token configured');
  let zone;
  try {
    zone = await cf.findZone(domain);
  } catch (err) {
    throw noCloudflare(domain, cloudflareReason(err));
  }
  if (!zone) throw noCloudflare(domain, 'no zone found');
  return { cf, zoneId: zone.id };
}

const sameContent = (type: string, a: string, b: string) =>
  type === 'A' || type === 'AAAA' ? canonicalIp(a) === canonicalIp(b) : type === 'CAA' ? JSON.stringify(parseCaaContent(a)) === JSON.stringify(parseCaaContent(b)) : a === b;

/**
 * dns.fix: makes, in the Cloudflare zone, the DNS changes the diagnosis proposes for a
 * name, only when the caller confirmed (a dry run shows them first). Each change is
 * checkpointed before it is made, audited, and undone if a later one fails.
 */
export const dnsRepair = defineAction({
  name: 'dns.repair',
  params,
  available: (services) => !!services.config.dns.cloudflare,
  async plan(ctx, p) {
    const repairs = await repairsFor(ctx, p);
    if (!repairs.length) return [{ kind: 'note', summary: { en: `nothing serein can repair for ${p.domain}`, fr: `rien que serein puisse réparer pour ${p.domain}` } }];
    return repairs.map((r) => ({ kind: 'record' as const, summary: r.summary }));
  },
  async run(ctx, p) {
    if (!p.confirm) {
      throw new OperationError(
        'confirmation_required',
        { en: 'DNS changes are made only when you confirm them.', fr: 'Les modifications DNS ne sont faites que lorsque vous les confirmez.' },
        { en: 'Look at the changes with a dry run, then run again with confirm: true.', fr: 'Regardez les modifications avec un essai à blanc, puis relancez avec confirm: true.' },
        undefined,
        400,
      );
    }
    const repairs = await repairsFor(ctx, p);
    if (!repairs.length) return { applied: [], message: `nothing to repair for ${p.domain}` };
    const cc = certificateContext(ctx.services);
    const applied: Applied[] = [];
    for (const r of repairs) {
      const { cf, zoneId } = await zoneOf(cc.cloudflare, r.name);
      const existing = await cf.records(zoneId, { type: r.type, name: r.name });
      const entry: Applied = { zoneId, repair: r };
      if (r.op === 'create') {
        if (existing.some((e) => sameContent(r.type, e.content, r.to!))) continue;
        await ctx.checkpoint({ applied: [...applied, entry] });
        const rec = await cf.create(zoneId, { type: r.type, name: r.name, content: r.to!, ttl: 300 });
        entry.created = rec.id;
      } else {
        const rec = existing.find((e) => sameContent(r.type, e.content, r.from!));
        if (!rec) continue;
        if (r.op === 'delete') {
          entry.deleted = rec;
          await ctx.checkpoint({ applied: [...applied, entry] });
          await cf.delete(zoneId, rec.id);
        } else {
          entry.updated = { id: rec.id, before: rec };
          await ctx.checkpoint({ applied: [...applied, entry] });
          await cf.update(zoneId, rec.id, { type: r.type, name: r.name, content: r.to!, ttl: rec.ttl });
        }
      }
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
        detail: { jobId: ctx.jobId, zoneId },
      });
    }
    return { applied: applied.map((a) => a.repair.summary[ctx.language]) };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as { applied: Applied[] } | undefined;
    if (!cp) return;
    const cf = certificateContext(ctx.services).cloudflare;
    if (!cf) return;
    for (const a of [...cp.applied].reverse()) {
      if (a.created) await cf.delete(a.zoneId, a.created);
      else if (a.deleted) {
        const now = await cf.records(a.zoneId, { type: a.deleted.type, name: a.deleted.name });
        if (!now.some((r) => sameContent(a.deleted!.type, r.content, a.deleted!.content))) await cf.create(a.zoneId, { type: a.deleted.type as 'A', name: a.deleted.name, content: a.deleted.content, ttl: a.deleted.ttl });
      } else if (a.updated) {
        const b = a.updated.before;
        await cf.update(a.zoneId, a.updated.id, { type: b.type as 'A', name: b.name, content: b.content, ttl: b.ttl });
      }
      await ctx.services.store.audit.append({
        tokenId: null,
        tenantId: ctx.tenantId,
        action: `dns.undo.${a.repair.op}`,
        subject: `dns:${a.repair.name}`,
        inputs: { type: a.repair.type, name: a.repair.name },
        plan: undefined,
        result: 'done',
        detail: { jobId: ctx.jobId },
      });
    }
  },
});

/** DNS actions, registered in src/actions/index.ts. */
export const dnsActions = [dnsRepair];
