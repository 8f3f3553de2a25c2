import { dateInWords } from '../util/dates.js';
import type { Explanation } from './check.js';
import { L, NB } from './messages-words.js';

/**
 * What the preflight says about a domain's security signatures (DNSSEC). A CA's validating
 * resolver answers a broken signature with SERVFAIL, the most opaque error a client can get:
 * these sentences say instead what broke and who fixes it, first sentence first, in a client's
 * words ("renew the signatures", "the DNSSEC setting at your registrar"). The records and the
 * trade's words (re-signing the zone, the DS record and its key tag, RRSIG) are in the technical
 * text and the check's detail, for a technician.
 */

const TITLE = L('Security signatures (DNSSEC)', 'Signatures de sécurité (DNSSEC)');

const refused = (name: string) =>
  L(
    `Until then, certificate authorities cannot read ${name} and refuse to secure it.`,
    `D'ici là, les autorités de certification ne peuvent pas lire ${name} et refusent de le sécuriser.`,
  );

/** A signature as a technician names it: the record it signs, its signer and key, its dates. */
export interface SigFacts {
  record: string;
  signer: string;
  keyTag: number;
  inception: Date;
  expiration: Date;
}
const sigText = (s: SigFacts) =>
  `RRSIG ${s.record} by ${s.signer} (key tag ${s.keyTag}), valid ${s.inception.toISOString()} to ${s.expiration.toISOString()}`;
const sigTexte = (s: SigFacts) =>
  `RRSIG ${s.record} par ${s.signer} (key tag ${s.keyTag}), valide du ${s.inception.toISOString()} au ${s.expiration.toISOString()}`;

/** Each outcome of the DNSSEC check. */
export const dnssec = {
  signed: (name: string): Explanation => ({
    title: TITLE,
    message: L(
      `The security signatures (DNSSEC) of ${name} are valid.`,
      `Les signatures de sécurité (DNSSEC) de ${name} sont valides.`,
    ),
  }),
  unsigned: (name: string): Explanation => ({
    title: TITLE,
    message: L(
      `${name} does not use security signatures (DNSSEC); certificate authorities accept that.`,
      `${name} n'utilise pas de signatures de sécurité (DNSSEC)${NB}; les autorités de certification l'acceptent.`,
    ),
  }),
  expired: (name: string, zone: string, sig: SigFacts): Explanation => {
    const day = { en: dateInWords(sig.expiration, 'en', 'UTC'), fr: dateInWords(sig.expiration, 'fr', 'UTC') };
    return {
      title: TITLE,
      message: L(
        `The security signatures of your domain (DNSSEC) have expired: ask your DNS host to renew them. ${refused(name).en}`,
        `Les signatures de sécurité de votre domaine (DNSSEC) ont expiré${NB}: demandez à votre hébergeur DNS de les renouveler. ${refused(name).fr}`,
      ),
      fix: L(
        `Ask the company that hosts the DNS of ${zone} to renew its security signatures (they ran out on ${day.en}) and to renew them automatically from now on; then try again.`,
        `Demandez à la société qui héberge le DNS de ${zone} de renouveler ses signatures de sécurité (elles ont pris fin le ${day.fr}) et de les renouveler automatiquement désormais, puis réessayez.`,
      ),
      technical: L(
        `Expired signature: ${sigText(sig)}. A validating resolver answers SERVFAIL until the zone is re-signed.`,
        `Signature expirée${NB}: ${sigTexte(sig)}. Un résolveur validant répond SERVFAIL tant que la zone n'est pas signée à nouveau.`,
      ),
    };
  },
  notYetValid: (name: string, zone: string, sig: SigFacts): Explanation => ({
    title: TITLE,
    message: L(
      `The security signatures of your domain (DNSSEC) are dated in the future: ask your DNS host to check its clock and renew them. ${refused(name).en}`,
      `Les signatures de sécurité de votre domaine (DNSSEC) sont datées dans le futur${NB}: demandez à votre hébergeur DNS de vérifier son horloge et de les renouveler. ${refused(name).fr}`,
    ),
    fix: L(
      `Ask the company that hosts the DNS of ${zone} to check its clock and renew its security signatures; then try again.`,
      `Demandez à la société qui héberge le DNS de ${zone} de vérifier son horloge et de renouveler ses signatures de sécurité, puis réessayez.`,
    ),
    technical: L(
      `Signature not yet valid: ${sigText(sig)}. The zone must be re-signed with a correct clock.`,
      `Signature pas encore valide${NB}: ${sigTexte(sig)}. La zone doit être signée à nouveau avec une horloge juste.`,
    ),
  }),
  dsWithoutSignatures: (name: string, zone: string, dsKeyTags: number[]): Explanation => ({
    title: TITLE,
    message: L(
      `Your registrar still announces DNSSEC for a DNS host you left: turn DNSSEC off there. ${refused(name).en}`,
      `Votre registraire annonce encore DNSSEC pour un hébergeur DNS que vous avez quitté${NB}: désactivez-y DNSSEC. ${refused(name).fr}`,
    ),
    fix: L(
      `Where you bought ${zone} (your registrar), turn DNSSEC off, or, if your current DNS host uses DNSSEC, replace the old DNSSEC key there with the one it gives you; then try again (the change can take a day to reach everyone).`,
      `Là où vous avez acheté ${zone} (votre registraire), désactivez DNSSEC, ou, si votre hébergeur DNS actuel utilise DNSSEC, remplacez-y l'ancienne clé DNSSEC par celle qu'il vous donne, puis réessayez (le changement peut prendre une journée pour atteindre tout le monde).`,
    ),
    technical: L(
      `The parent zone publishes DS ${zone} (key tag ${dsKeyTags.join(', ')}), but ${zone} has no DNSKEY and no RRSIG: a validating resolver answers SERVFAIL. Remove the DS record at the registrar.`,
      `La zone parente publie DS ${zone} (key tag ${dsKeyTags.join(', ')}), mais ${zone} n'a ni DNSKEY ni RRSIG${NB}: un résolveur validant répond SERVFAIL. Supprimez l'enregistrement DS chez le registraire.`,
    ),
  }),
  keyMismatch: (name: string, zone: string, dsKeyTags: number[], keyTags: number[]): Explanation => ({
    title: TITLE,
    message: L(
      `Your registrar announces a DNSSEC key your DNS host no longer uses: replace it there with the key your DNS host gives you. ${refused(name).en}`,
      `Votre registraire annonce une clé DNSSEC que votre hébergeur DNS n'utilise plus${NB}: remplacez-y cette clé par celle que vous donne votre hébergeur DNS. ${refused(name).fr}`,
    ),
    fix: L(
      `Ask the company that hosts the DNS of ${zone} for its current DNSSEC key, and put it in place of the old one where you bought ${zone} (your registrar); then try again.`,
      `Demandez à la société qui héberge le DNS de ${zone} sa clé DNSSEC actuelle, et mettez-la à la place de l'ancienne là où vous avez acheté ${zone} (votre registraire), puis réessayez.`,
    ),
    technical: L(
      `DS ${zone} names key tag ${dsKeyTags.join(', ')}; the zone's DNSKEYs are ${keyTags.join(', ')}. Replace the DS record at the registrar.`,
      `DS ${zone} désigne le key tag ${dsKeyTags.join(', ')}${NB}; les DNSKEY de la zone sont ${keyTags.join(', ')}. Remplacez l'enregistrement DS chez le registraire.`,
    ),
  }),
  bogus: (name: string, zone: string): Explanation => ({
    title: TITLE,
    message: L(
      `The security signatures of your domain (DNSSEC) do not check out: ask your DNS host to check and renew the signatures of ${zone}. ${refused(name).en}`,
      `Les signatures de sécurité de votre domaine (DNSSEC) ne sont pas valides${NB}: demandez à votre hébergeur DNS de vérifier et de renouveler les signatures de ${zone}. ${refused(name).fr}`,
    ),
    fix: L(
      `Forward the technical details to the company that hosts the DNS of ${zone}; then try again.`,
      `Transmettez les détails techniques à la société qui héberge le DNS de ${zone}, puis réessayez.`,
    ),
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
    technical: L(
      `The A question for ${name} with the DNSSEC OK bit got ${code}, with and without checking disabled.`,
      `La question A pour ${name} avec le bit DNSSEC OK a obtenu ${code}, avec et sans vérification désactivée.`,
    ),
  }),
};
