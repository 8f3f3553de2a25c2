import type { Localized } from '../errors.js';
import type { Explanation } from './check.js';
import { L, NB, fam, type Family } from './messages-words.js';

/**
 * What the diagnosis says about the web check (the proof file the certificate authority
 * will fetch over each address), in English and French: what came back instead, and the fix.
 */

/** Why fetching the test file over one address failed. */
export type HttpFailure =
  | { kind: 'timeout'; seconds: number }
  | { kind: 'refused' }
  | { kind: 'unreachable'; code: string }
  | { kind: 'status'; status: number }
  | { kind: 'body'; status: number; server?: string }
  | { kind: 'blocked'; status: number }
  | { kind: 'redirects'; count: number }
  | { kind: 'redirect-port'; location: string }
  | { kind: 'redirect-scheme'; location: string }
  /** A redirect to an address the CA cannot reach (the provider's inside): nothing else about it is told. */
  | { kind: 'redirect-elsewhere' }
  | { kind: 'http-on-https'; location: string }
  | { kind: 'error'; code: string };

function httpWhy(f: HttpFailure): Localized {
  switch (f.kind) {
    case 'timeout':
      return L(`nothing answered within ${f.seconds} seconds`, `rien n'a répondu en ${f.seconds} secondes`);
    case 'refused':
      return L('the connection was refused: no web server listens there', "la connexion a été refusée : aucun serveur web n'écoute là");
    case 'unreachable':
      return L(`that address cannot be reached from here (${f.code})`, `cette adresse est injoignable d'ici (${f.code})`);
    case 'status':
      return L(`the server answered "${f.status}" instead of the file`, `le serveur a répondu « ${f.status} » au lieu du fichier`);
    case 'body':
      return L(
        `a web server answered (status ${f.status}${f.server ? `, "${f.server}"` : ''}) but sent something other than the file we placed: it is not the server that holds your site`,
        `un serveur web a répondu (statut ${f.status}${f.server ? `, « ${f.server} »` : ''}) mais a envoyé autre chose que le fichier déposé : ce n'est pas le serveur de votre site`,
      );
    case 'blocked':
      return L(
        `a protection page (anti-bot cookie test or firewall) answered instead of the file; the certificate authority cannot get past it`,
        `une page de protection (test de cookie anti-robot ou pare-feu) a répondu à la place du fichier ; l'autorité de certification ne peut pas la franchir`,
      );
    case 'redirects':
      return L(`the request was redirected ${f.count} times, more than the 10 the certificate authority follows`, `la demande a été redirigée ${f.count} fois, plus que les 10 que suit l'autorité de certification`);
    case 'redirect-port':
      return L(`it was redirected to ${f.location}, a port the certificate authority does not follow (only 80 and 443)`, `elle a été redirigée vers ${f.location}, un port que l'autorité de certification ne suit pas (seulement 80 et 443)`);
    case 'redirect-scheme':
      return L(`it was redirected to ${f.location}, which is not an http or https address`, `elle a été redirigée vers ${f.location}, qui n'est pas une adresse http ou https`);
    case 'redirect-elsewhere':
      return L('it was redirected elsewhere, to a place the certificate authority cannot reach', "elle a été redirigée ailleurs, vers un endroit que l'autorité de certification ne peut pas atteindre");
    case 'http-on-https':
      return L(`it was redirected to ${f.location}, but that port speaks plain HTTP, not HTTPS`, `elle a été redirigée vers ${f.location}, mais ce port parle HTTP simple, pas HTTPS`);
    case 'error':
      return L(`the request failed (${f.code})`, `la demande a échoué (${f.code})`);
  }
}

/** The token fetched over each address, as the CA will. */
export const http = {
  ok: (name: string, ip: string, f: Family): Explanation => ({
    title: L(`Web check over ${fam(f).en} (${ip})`, `Test web en ${fam(f).fr} (${ip})`),
    message: L(`A test file placed on this server came back unchanged from ${ip}.`, `Un fichier de test déposé sur ce serveur est revenu intact depuis ${ip}.`),
  }),
  failed: (name: string, ip: string, f: Family, why: HttpFailure, isTarget: boolean): Explanation => ({
    title: L(`Web check over ${fam(f).en} (${ip})`, `Test web en ${fam(f).fr} (${ip})`),
    message: L(
      `The certificate authority will fetch a proof file from http://${name}/.well-known/acme-challenge/ over ${fam(f).en} at ${ip}. We placed such a file and fetched it the same way: ${httpWhy(why).en}.`,
      `L'autorité de certification ira chercher un fichier de preuve sur http://${name}/.well-known/acme-challenge/ en ${fam(f).fr} à ${ip}. Nous avons déposé un tel fichier et l'avons demandé de la même façon : ${httpWhy(why).fr}.`,
    ),
    fix: isTarget && why.kind === 'redirect-elsewhere'
      ? L(
          `Let your site ${name} serve the pages under /.well-known/acme-challenge/ itself, without redirecting them elsewhere, then try again.`,
          `Laissez votre site ${name} servir lui-même les pages sous /.well-known/acme-challenge/, sans les rediriger ailleurs, puis réessayez.`,
        )
      : isTarget
      ? L(
          `${ip} is your provider's web server: it must answer for ${name} and hand back such files without a password, a redirect to another port or a firewall page. Your provider can check it; then try again.`,
          `${ip} est le serveur web de votre hébergeur${NB}: il doit répondre pour ${name} et rendre de tels fichiers sans mot de passe, redirection vers un autre port ni page de pare-feu. Votre hébergeur peut le vérifier${NB}; réessayez ensuite.`,
        )
      : L(
          `${ip} is not the server your site is on: correct this ${fam(f).en} address of ${name} as explained above, then try again.`,
          `${ip} n'est pas le serveur de votre site${NB}: corrigez cette adresse ${fam(f).fr} de ${name} comme expliqué plus haut, puis réessayez.`,
        ),
  }),
  inconsistent: (name: string, outcomes: string[]): Explanation => ({
    title: L('Addresses agree', 'Cohérence des adresses'),
    message: L(
      `The addresses of ${name} do not answer the same way (${outcomes.join('; ')}). The certificate authority may pick any of them.`,
      `Les adresses de ${name} ne répondent pas de la même façon (${outcomes.join(' ; ')}). L'autorité de certification peut choisir n'importe laquelle.`,
    ),
    fix: L('Make every address of the name point to the same web site, or remove the ones that do not.', 'Faites pointer toutes les adresses du nom vers le même site, ou supprimez celles qui ne le font pas.'),
  }),
};
