import { check, type Check } from './check.js';
import { cloudflareReason, type CloudflareDns } from './cloudflare.js';
import * as msg from './messages.js';
import { authoritativeServers, type DnsClient } from './resolver.js';

/** Where the proof record of a name must be written: `_acme-challenge.<name>`, or where its CNAME points. */
export async function challengeRecordName(dns: DnsClient, name: string): Promise<{ at: string; delegatedTo: string | null }> {
  const at = `_acme-challenge.${name.replace(/^\*\./, '')}`;
  const cname = await dns.cname(at);
  const target = cname.status === 'ok' ? cname.records[0].replace(/\.$/, '').toLowerCase() : null;
  return { at, delegatedTo: target };
}

/**
 * dns-01 checks for one name: the proof record's name can be looked up, no record was
 * created with the domain typed twice, serein may write in the zone, and every
 * authoritative nameserver answers (the CA may ask any of them).
 */
export async function checkDns01(
  dns: DnsClient,
  name: string,
  registered: string,
  cloudflare: CloudflareDns | null | undefined,
  authoritativeFallback: string[],
): Promise<Check[]> {
  const checks: Check[] = [];
  const host = name.replace(/^\*\./, '');
  const { at, delegatedTo } = await challengeRecordName(dns, name);
  const writeAt = delegatedTo ?? at;
  const [txt, doubled] = await Promise.all([dns.txt(writeAt), dns.txt(`${at}.${registered}`)]);
  if (txt.status === 'error') checks.push(check('dns01-txt', name, 'failure', msg.dns01.txtFailed(name, writeAt, txt.code ?? 'error'), { at: writeAt, code: txt.code }));
  else if (delegatedTo) checks.push(check('dns01-txt', name, 'ok', msg.dns01.txtDelegated(name, at, delegatedTo), { at, delegatedTo }));
  else checks.push(check('dns01-txt', name, 'ok', msg.dns01.txtOk(name, at), { at }));
  if (doubled.status === 'ok') {
    checks.push(check('dns01-doubled-label', name, 'warning', msg.dns01.doubled(name, `${at}.${registered}`, at), { found: `${at}.${registered}`, values: doubled.records.length }));
  }
  if (!cloudflare) {
    checks.push(check('dns01-zone', name, 'failure', msg.dns01.noProvider(name)));
  } else {
    try {
      const zone = await cloudflare.findZone(writeAt);
      if (zone) checks.push(check('dns01-zone', name, 'ok', msg.dns01.zoneOk(name, zone.name), { zone: zone.name }));
      else checks.push(check('dns01-zone', name, 'failure', msg.dns01.zoneMissing(name, 'no zone found'), { name: writeAt }));
    } catch (err) {
      checks.push(check('dns01-zone', name, 'failure', msg.dns01.zoneMissing(name, cloudflareReason(err)), { name: writeAt }));
    }
  }
  const auth = await authoritativeServers(dns, delegatedTo ?? host, authoritativeFallback);
  if (auth.servers.length) {
    const answers = await Promise.all(auth.servers.map(async (s) => ({ s, r: await dns.at([s.address]).txt(writeAt) })));
    const down = answers.filter(({ r }) => r.status === 'error').map(({ s }) => (s.name === s.address ? s.address : `${s.name} (${s.address})`));
    const label = auth.servers.map((s) => (s.name === s.address ? s.address : s.name));
    if (down.length) checks.push(check('dns01-nameservers', name, 'failure', msg.dns01.nameserversDown(name, down), { zone: auth.zone, servers: auth.servers, fromNs: auth.fromNs }));
    else checks.push(check('dns01-nameservers', name, 'ok', msg.dns01.nameserversOk(name, [...new Set(label)]), { zone: auth.zone, servers: auth.servers, fromNs: auth.fromNs }));
  }
  return checks;
}
