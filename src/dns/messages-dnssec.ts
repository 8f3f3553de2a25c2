import type { Explanation } from './check.js';
import { L, NB } from './messages-words.js';

/**
 * What the preflight says about a domain's security signatures (DNSSEC). A CA's validating
 * resolver answers a broken signature with SERVFAIL, the most opaque error a client can get:
 * these sentences say instead what broke and who fixes it, first sentence first. The records
 * (which signature, its expiry, the DS key tag) are in each check's detail, for a technician.
 */

const TITLE = L('Security signatures (DNSSEC)', 'Signatures de sécurité (DNSSEC)');

/** "3 March 2027" / « 3 mars 2027 », in UTC (a signature's expiry is a UTC time). */
export function dayInWords(d: Date): { en: string; fr: string } {
  const opts: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' };
  return { en: d.toLocaleDateString('en-GB', opts), fr: d.toLocaleDateString('fr-FR', opts) };
}

const refused = (name: string) =>
  L(`Until then, certificate authorities cannot read ${name} and refuse to secure it.`, `D'ici là, les autorités de certification ne peuvent pas lire ${name} et refusent de le sécuriser.`);

/** A signature as a technician names it: the record it signs, its signer and key, its dates. */
export interface SigFacts { record: string; signer: string; keyTag: number; inception: Date; expiration: Date }
const sigText = (s: SigFacts) => `RRSIG ${s.record} by ${s.signer} (key tag ${s.keyTag}), valid ${s.inception.toISOString()} to ${s.expiration.toISOString()}`;
const sigTexte = (s: SigFacts) => `RRSIG ${s.record} par ${s.signer} (key tag ${s.keyTag}), valide du ${s.inception.toISOString()} au ${s.expiration.toISOString()}`;

/** Each outcome of the DNSSEC check. */
export const dnssec = {
  signed: (name: string): Explanation => ({
    title: TITLE,
    message: L(`The security signatures (DNSSEC) of ${name} are valid.`, `Les signatures de sécurité (DNSSEC) de ${name} sont valides.`),
  }),
  unsigned: (name: string): Explanation => ({
    title: TITLE,
    message: L(
      `${name} does not use security signatures (DNSSEC); certificate authorities accept that.`,
      `${name} n'utilise pas de signatures de sécurité (DNSSEC)${NB}; les autorités de certification l'acceptent.`,
    ),
  }),
  expired: (name: string, zone: string, sig: SigFacts): Explanation => {
    const day = dayInWords(sig.expiration);
    return {
      title: TITLE,
      message: L(
        `The security signatures of your domain (DNSSEC) have expired: ask your DNS host to re-sign it. ${refused(name).en}`,
        `Les signatures de sécurité de votre domaine (DNSSEC) ont expiré${NB}: demandez à votre hébergeur DNS de le signer à nouveau. ${refused(name).fr}`,
      ),
      fix: L(
        `Ask the company that hosts the DNS of ${zone} to re-sign the zone (its signatures ran out on ${day.en}) and to renew them automatically; then try again.`,
        `Demandez à la société qui héberge le DNS de ${zone} de signer à nouveau la zone (ses signatures ont pris fin le ${day.fr}) et de les renouveler automatiquement, puis réessayez.`,
      ),
      technical: L(`Expired signature: ${sigText(sig)}. A validating resolver answers SERVFAIL.`, `Signature expirée${NB}: ${sigTexte(sig)}. Un résolveur validant répond SERVFAIL.`),
    };
  },
  notYetValid: (name: string, zone: string, sig: SigFacts): Explanation => ({
    title: TITLE,
    message: L(
      `The security signatures of your domain (DNSSEC) are dated in the future: ask your DNS host to check its clock and re-sign it. ${refused(name).en}`,
      `Les signatures de sécurité de votre domaine (DNSSEC) sont datées dans le futur${NB}: demandez à votre hébergeur DNS de vérifier son horloge et de le signer à nouveau. ${refused(name).fr}`,
    ),
    fix: L(`Ask the company that hosts the DNS of ${zone} to re-sign the zone; then try again.`, `Demandez à la société qui héberge le DNS de ${zone} de signer à nouveau la zone, puis réessayez.`),
    technical: L(`Signature not yet valid: ${sigText(sig)}.`, `Signature pas encore valide${NB}: ${sigTexte(sig)}.`),
  }),
  dsWithoutSignatures: (name: string, zone: string, dsKeyTags: number[]): Explanation => ({
    title: TITLE,
    message: L(
      `Your registrar still announces DNSSEC for a DNS host you left: remove the DS record there. ${refused(name).en}`,
      `Votre registraire annonce encore DNSSEC pour un hébergeur DNS que vous avez quitté${NB}: supprimez-y l'enregistrement DS. ${refused(name).fr}`,
    ),
    fix: L(
      `Where you bought ${zone} (your registrar), remove its DNSSEC (DS) record, or replace it with the one your current DNS host gives you if it signs the zone; then try again (the change can take a day to reach everyone).`,
      `Là où vous avez acheté ${zone} (votre registraire), supprimez son enregistrement DNSSEC (DS), ou remplacez-le par celui que donne votre hébergeur DNS actuel s'il signe la zone, puis réessayez (le changement peut prendre une journée pour atteindre tout le monde).`,
    ),
    technical: L(
      `The parent zone publishes DS ${zone} (key tag ${dsKeyTags.join(', ')}), but ${zone} has no DNSKEY and no RRSIG: a validating resolver answers SERVFAIL.`,
      `La zone parente publie DS ${zone} (key tag ${dsKeyTags.join(', ')}), mais ${zone} n'a ni DNSKEY ni RRSIG${NB}: un résolveur validant répond SERVFAIL.`,
    ),
  }),
  keyMismatch: (name: string, zone: string, dsKeyTags: number[], keyTags: number[]): Explanation => ({
    title: TITLE,
    message: L(
      `Your registrar announces a DNSSEC key your DNS host no longer uses: replace the DS record there with your DNS host's. ${refused(name).en}`,
      `Votre registraire annonce une clé DNSSEC que votre hébergeur DNS n'utilise plus${NB}: remplacez-y l'enregistrement DS par celui de votre hébergeur DNS. ${refused(name).fr}`,
    ),
    fix: L(
      `Ask the company that hosts the DNS of ${zone} for its current DS record, and put it in place of the old one where you bought ${zone} (your registrar); then try again.`,
      `Demandez à la société qui héberge le DNS de ${zone} son enregistrement DS actuel, et mettez-le à la place de l'ancien là où vous avez acheté ${zone} (votre registraire), puis réessayez.`,
    ),
    technical: L(
      `DS ${zone} names key tag ${dsKeyTags.join(', ')}; the zone's DNSKEYs are ${keyTags.join(', ')}.`,
      `DS ${zone} désigne le key tag ${dsKeyTags.join(', ')}${NB}; les DNSKEY de la zone sont ${keyTags.join(', ')}.`,
    ),
  }),
  bogus: (name: string, zone: string): Explanation => ({
    title: TITLE,
    message: L(
      `The security signatures of your domain (DNSSEC) do not check out: ask your DNS host to check and re-sign ${zone}. ${refused(name).en}`,
      `Les signatures de sécurité de votre domaine (DNSSEC) ne sont pas valides${NB}: demandez à votre hébergeur DNS de vérifier et de signer à nouveau ${zone}. ${refused(name).fr}`,
    ),
    fix: L(`Forward the technical details to the company that hosts the DNS of ${zone}; then try again.`, `Transmettez les détails techniques à la société qui héberge le DNS de ${zone}, puis réessayez.`),
    technical: L(
      `A validating resolver answers SERVFAIL for ${name} and the records it gives with checking disabled (CD) have no expired signature and a DS matching a key of ${zone}: a signature itself does not verify.`,
      `Un résolveur validant répond SERVFAIL pour ${name}, et les enregistrements obtenus sans vérification (CD) n'ont pas de signature expirée et ont un DS correspondant à une clé de ${zone}${NB}: une signature elle-même ne se vérifie pas.`,
    ),
  }),
  unknown: (name: string, code: string): Explanation => ({
    title: TITLE,
    message: L(
      `We could not check the security signatures (DNSSEC) of ${name}, because our DNS check got no answer; the other checks say more.`,
      `Nous n'avons pas pu vérifier les signatures de sécurité (DNSSEC) de ${name}, car notre test DNS n'a pas eu de réponse${NB}; les autres vérifications en disent plus.`,
    ),
    technical: L(`The A question for ${name} with the DNSSEC OK bit got ${code}, with and without checking disabled.`, `La question A pour ${name} avec le bit DNSSEC OK a obtenu ${code}, avec et sans vérification désactivée.`),
  }),
};
