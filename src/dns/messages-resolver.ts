import type { Localized } from '../errors.js';
import type { Explanation } from './check.js';
import { L } from './messages-words.js';

/**
 * What the doctor says about the DNS answers it got: whether the domain exists, and,
 * kept apart, when the resolver it asked could not answer (timeout, SERVFAIL, refused)
 * or cannot be trusted (it says even the domain extension does not exist). Clients read
 * "our DNS check"; admins also get the resolver's address (in the diagnosis's resolvers).
 */

/** Why a resolver gave no usable answer, in plain words, from node's error code. */
export function resolverWhy(code: string): Localized {
  switch (code) {
    case 'ETIMEOUT':
      return L('no reply came in time', "aucune réponse n'est arrivée à temps");
    case 'ESERVFAIL':
      return L('it failed to find the answer (SERVFAIL)', "il n'a pas réussi à trouver la réponse (SERVFAIL)");
    case 'EREFUSED':
      return L('it refused the question (REFUSED)', 'il a refusé la question (REFUSED)');
    case 'ECONNREFUSED':
      return L('nothing answers at its address', 'rien ne répond à son adresse');
    case 'ENOTIMP':
      return L('it does not handle that question (NOTIMP)', 'il ne traite pas cette question (NOTIMP)');
    default:
      return L(`it answered with an error (${code})`, `il a répondu par une erreur (${code})`);
  }
}

/** Whether the registered domain exists in the DNS, as our DNS check sees it. */
export const exists = {
  ok: (name: string, registered: string): Explanation => ({
    title: L('Domain registration', 'Enregistrement du domaine'),
    message: L(`The domain ${registered} exists in the DNS.`, `Le domaine ${registered} existe dans le DNS.`),
  }),
  nxdomain: (name: string, registered: string): Explanation => ({
    title: L('Domain registration', 'Enregistrement du domaine'),
    message: L(
      `Our DNS check was told that the domain ${registered} does not exist: it is not registered, has expired, or its nameservers are not set at the registrar. Nothing under it, including ${name}, can get a certificate.`,
      `Notre vérification DNS a reçu la réponse que le domaine ${registered} n'existe pas : il n'est pas enregistré, a expiré, ou ses serveurs de noms ne sont pas déclarés chez le registraire. Rien en dessous, y compris ${name}, ne peut obtenir de certificat.`,
    ),
    fix: L(
      `Check at your registrar that ${registered} is registered, paid, and that its nameservers are set. Then wait a few minutes and try again.`,
      `Vérifiez chez votre registraire que ${registered} est enregistré, payé, et que ses serveurs de noms sont déclarés. Attendez quelques minutes puis réessayez.`,
    ),
  }),
  /** The resolver says even the extension (.fr, .com) does not exist: it is the resolver, not the domain. */
  resolverUntrusted: (name: string, registered: string, suffix: string): Explanation => ({
    title: L('Our DNS check', 'Notre vérification DNS'),
    message: L(
      `The resolver our DNS check asks says that ${registered} does not exist, but it says the same of ".${suffix}" itself, which does exist: that resolver cannot be trusted, and nothing can be told about your domain yet.`,
      `Le résolveur qu'interroge notre vérification DNS dit que ${registered} n'existe pas, mais il dit la même chose de « .${suffix} » lui-même, qui existe : on ne peut pas se fier à ce résolveur, et rien ne peut encore être dit de votre domaine.`,
    ),
    fix: L(
      'Nothing to change on your side: your provider must point our DNS check at a resolver that answers for the Internet. Try again afterwards.',
      'Rien à changer de votre côté : votre hébergeur doit faire interroger par notre vérification DNS un résolveur qui répond pour Internet. Réessayez ensuite.',
    ),
  }),
  lookupFailed: (name: string, registered: string, code: string): Explanation => ({
    title: L('Domain registration', 'Enregistrement du domaine'),
    message: L(
      `Our DNS check got no answer about your domain ${registered}. If the certificate authority met the same silence, it would refuse to secure ${name}.`,
      `Notre vérification DNS n'a obtenu aucune réponse au sujet de votre domaine ${registered}. Si l'autorité de certification rencontrait le même silence, elle refuserait de sécuriser ${name}.`,
    ),
    fix: L(
      `Nothing to change yet: try again in a few minutes. If it still fails in an hour, forward the technical details below to the company that manages your domain (often where you bought it): its DNS servers must answer.`,
      `Rien à changer pour l'instant\u00a0: réessayez dans quelques minutes. Si cela échoue encore dans une heure, transmettez les détails techniques ci-dessous à la société qui gère votre domaine (souvent là où vous l'avez acheté)\u00a0: ses serveurs DNS doivent répondre.`,
    ),
    technical: L(
      `The SOA query for ${registered} got no answer from the resolver our check asks (${code}: ${resolverWhy(code).en}). This does not say that the domain does not exist. Check that its nameservers are up and answer ("dig SOA ${registered}").`,
      `La requête SOA pour ${registered} est restée sans réponse du résolveur qu'interroge notre vérification (${code}\u00a0: ${resolverWhy(code).fr}). Cela ne dit pas que le domaine n'existe pas. Vérifiez que ses serveurs de noms fonctionnent et répondent (« dig SOA ${registered} »).`,
    ),
  }),
};
