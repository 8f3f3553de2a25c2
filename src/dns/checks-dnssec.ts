import type * as packet from 'dns-packet';
import { check, type Check } from './check.js';
import { dnssec as msg, type SigFacts } from './messages-dnssec.js';
import { ask, keyTag, type WireAnswer } from './wire.js';

/**
 * The DNSSEC check. Since March 2026 every CA validates DNSSEC (CA/B ballot SC-085v2): a name
 * whose signatures do not check out is SERVFAIL at the CA. serein does not validate signatures
 * itself: it asks the validating resolver it is configured with (`dns.resolvers`), which is what
 * a CA does (Let's Encrypt runs Unbound), and a resolver validates every algorithm and every
 * denial-of-existence proof that a hand-written validator would get subtly wrong. What serein
 * adds is the reason: when the resolver refuses an answer (SERVFAIL), the same question with
 * checking disabled (CD) shows the records, and their signatures' dates, the parent's DS and
 * the zone's keys say which of the usual faults it is. Those two (expired signatures, a DS left
 * at the registrar) are also caught behind a resolver that does not validate, from the dates
 * and the DS alone.
 */

/** Where to ask, and when "now" is (signature dates are compared with it). */
export interface DnssecOptions {
  /** A resolver, `ip` or `ip:port`: validating, for the verdict a CA would reach. */
  resolver: string;
  timeoutMs: number;
  now: Date;
}

type Rrsig = packet.RrsigAnswer;
const rrsigs = (a: WireAnswer): Rrsig[] =>
  [...a.answers, ...a.authorities].filter((r): r is Rrsig => r.type === 'RRSIG');
const date = (seconds: number) => new Date(seconds * 1000);

/** A signature outside its validity window (RFC 4034: inception ≤ now ≤ expiration), if any. */
function outOfDate(sigs: Rrsig[], now: Date): { sig: Rrsig; expired: boolean } | null {
  const t = Math.floor(now.getTime() / 1000);
  for (const sig of sigs) {
    // Serial-number arithmetic is not needed before 2106: the dates are plain seconds.
    if (sig.data.expiration < t) return { sig, expired: true };
    if (sig.data.inception > t) return { sig, expired: false };
  }
  return null;
}

const facts = (sig: Rrsig): SigFacts => ({
  record: `${sig.name} ${sig.data.typeCovered}`,
  signer: sig.data.signersName,
  keyTag: sig.data.keyTag,
  inception: date(sig.data.inception),
  expiration: date(sig.data.expiration),
});

function sigDetail(sig: Rrsig) {
  return {
    record: `${sig.name} RRSIG ${sig.data.typeCovered}`,
    signer: sig.data.signersName,
    keyTag: sig.data.keyTag,
    inception: date(sig.data.inception).toISOString(),
    expiration: date(sig.data.expiration).toISOString(),
  };
}

/** The zone holding `name`: the signer of its signatures, else the owner of the SOA the resolver shows. */
async function zoneOf(name: string, answer: WireAnswer, o: DnssecOptions): Promise<string> {
  const signer = rrsigs(answer).find((s) => s.name.toLowerCase() === name.toLowerCase())?.data.signersName;
  if (signer) return signer;
  const soa = await ask(o.resolver, name, 'SOA', { recurse: true, checkingDisabled: true, timeoutMs: o.timeoutMs });
  return [...soa.answers, ...soa.authorities].find((r) => r.type === 'SOA')?.name ?? name;
}

/** Why a validating resolver refused `name`, read from the records it gives with checking disabled. */
async function whyBogus(name: string, cd: WireAnswer, o: DnssecOptions): Promise<Check> {
  const late = outOfDate(rrsigs(cd), o.now);
  const owners = [name, ...cd.answers.filter((r): r is packet.StringAnswer => r.type === 'CNAME').map((r) => r.data)];
  // The last name of a CNAME chain is where the address lives: its zone is the one to look at first.
  const zones = [...new Set(await Promise.all(owners.reverse().map((n) => zoneOf(n, cd, o))))];
  if (late) {
    const zone = late.sig.data.signersName;
    const e = late.expired ? msg.expired(name, zone, facts(late.sig)) : msg.notYetValid(name, zone, facts(late.sig));
    return check('dnssec', name, 'failure', e, {
      reason: late.expired ? 'signature-expired' : 'signature-not-yet-valid',
      zone,
      ...sigDetail(late.sig),
    });
  }
  for (const zone of zones) {
    const [ds, keys] = await Promise.all([
      ask(o.resolver, zone, 'DS', { recurse: true, checkingDisabled: true, timeoutMs: o.timeoutMs }),
      ask(o.resolver, zone, 'DNSKEY', { recurse: true, checkingDisabled: true, timeoutMs: o.timeoutMs }),
    ]);
    const dsTags = ds.answers.filter((r): r is packet.DSAnswer => r.type === 'DS').map((r) => r.data.keyTag);
    if (!dsTags.length) continue;
    const keyTags = keys.answers
      .filter((r): r is packet.DnskeyAnswer => r.type === 'DNSKEY')
      .map((r) => keyTag(r.data));
    if (!keyTags.length)
      return check('dnssec', name, 'failure', msg.dsWithoutSignatures(name, zone, dsTags), {
        reason: 'ds-without-signatures',
        zone,
        dsKeyTags: dsTags,
        dnskeys: 'none',
      });
    const keyLate = outOfDate(rrsigs(keys), o.now);
    if (keyLate)
      return check('dnssec', name, 'failure', msg.expired(name, zone, facts(keyLate.sig)), {
        reason: 'signature-expired',
        zone,
        ...sigDetail(keyLate.sig),
      });
    if (!dsTags.some((t) => keyTags.includes(t)))
      return check('dnssec', name, 'failure', msg.keyMismatch(name, zone, dsTags, keyTags), {
        reason: 'ds-matches-no-key',
        zone,
        dsKeyTags: dsTags,
        dnskeyTags: keyTags,
      });
  }
  return check('dnssec', name, 'failure', msg.bogus(name, zones[0] ?? name), { reason: 'bogus', zones });
}

/**
 * Whether a CA's validating resolver accepts the answers for `name`: one A question carries
 * the whole chain (from the root's key to the zone, through every CNAME's target zone, and the
 * signed proof of "no such record" when there is none). `dsOf` is asked, once per registered
 * domain, whether the registrar publishes a DS when the answer came unsigned.
 */
export async function checkDnssec(
  name: string,
  registered: string,
  o: DnssecOptions,
  dsCache: Map<string, Promise<WireAnswer | null>>,
): Promise<Check> {
  const base = name.replace(/^\*\./, '');
  const asked = (cd: boolean) =>
    ask(o.resolver, base, 'A', { recurse: true, checkingDisabled: cd, timeoutMs: o.timeoutMs }).catch(() => null);
  const first = await asked(false);
  if (!first) return check('dnssec', name, 'warning', msg.unknown(name, 'no reply'), { reason: 'no-answer' });
  if (first.rcode === 'SERVFAIL') {
    const cd = await asked(true);
    if (!cd || cd.rcode === 'SERVFAIL' || cd.rcode === 'REFUSED')
      return check('dnssec', name, 'warning', msg.unknown(name, cd?.rcode ?? first.rcode), {
        reason: 'no-answer',
        rcode: first.rcode,
      });
    return whyBogus(base, cd, o);
  }
  if (first.ad) return check('dnssec', name, 'ok', msg.signed(name), { signed: true, validated: true });
  // Not validated: the zone is unsigned, or the resolver does not validate. The dates and the
  // registrar's DS still tell the two usual faults apart from a zone that is simply unsigned.
  const late = outOfDate(rrsigs(first), o.now);
  if (late?.expired)
    return check('dnssec', name, 'failure', msg.expired(name, late.sig.data.signersName, facts(late.sig)), {
      reason: 'signature-expired',
      zone: late.sig.data.signersName,
      validated: false,
      ...sigDetail(late.sig),
    });
  if (!rrsigs(first).length) {
    let ds = dsCache.get(registered);
    if (!ds) {
      ds = ask(o.resolver, registered, 'DS', { recurse: true, checkingDisabled: true, timeoutMs: o.timeoutMs }).catch(
        () => null,
      );
      dsCache.set(registered, ds);
    }
    const tags = ((await ds)?.answers ?? [])
      .filter((r): r is packet.DSAnswer => r.type === 'DS')
      .map((r) => r.data.keyTag);
    if (tags.length)
      return check('dnssec', name, 'failure', msg.dsWithoutSignatures(name, registered, tags), {
        reason: 'ds-without-signatures',
        zone: registered,
        dsKeyTags: tags,
        validated: false,
      });
    return check('dnssec', name, 'ok', msg.unsigned(name), { signed: false });
  }
  return check('dnssec', name, 'ok', msg.signed(name), { signed: true, validated: false });
}
