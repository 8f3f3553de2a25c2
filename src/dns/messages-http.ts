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
      return L(
        'the connection was refused: no web server listens there',
        "la connexion a été refusée : aucun serveur web n'écoute là",
      );
    case 'unreachable':
      return L(
        `that address cannot be reached from here (${f.code})`,
        `cette adresse est injoignable d'ici (${f.code})`,
      );
    case 'status':
      return L(
        `the server answered "${f.status}" instead of the file`,
        `le serveur a répondu « ${f.status} » au lieu du fichier`,
      );
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
      return L(
        `the request was redirected ${f.count} times, more than the 10 the certificate authority follows`,
        `la demande a été redirigée ${f.count} fois, plus que les 10 que suit l'autorité de certification`,
      );
    case 'redirect-port':
      return L(
        `it was redirected to ${f.location}, a port the certificate authority does not follow (only 80 and 443)`,
        `elle a été redirigée vers ${f.location}, un port que l'autorité de certification ne suit pas (seulement 80 et 443)`,
      );
    case 'redirect-scheme':
      return L(
        `it was redirected to ${f.location}, which is not an http or https address`,
        `elle a été redirigée vers ${f.location}, qui n'est pas une adresse http ou https`,
      );
    case 'redirect-elsewhere':
      return L(
        'it was redirected elsewhere, to a place the certificate authority cannot reach',
        "elle a été redirigée ailleurs, vers un endroit que l'autorité de certification ne peut pas atteindre",
      );
    case 'http-on-https':
      return L(
        `it was redirected to ${f.location}, but that port speaks plain HTTP, not HTTPS`,
        `elle a été redirigée vers ${f.location}, mais ce port parle HTTP simple, pas HTTPS`,
      );
    case 'error':
      return L(`the request failed (${f.code})`, `la demande a échoué (${f.code})`);
  }
}

/** The same, for the client's main text: what it means, without codes, statuses or addresses (those are in httpWhy, for the technical details). */
function plainWhy(f: HttpFailure, isTarget: boolean): Localized {
  if (isTarget && (f.kind === 'status' || f.kind === 'body'))
    return L('the web server did not hand back our test file', "le serveur web n'a pas rendu notre fichier de test");
  switch (f.kind) {
    case 'timeout':
    case 'unreachable':
    case 'refused':
    case 'error':
      return L('nothing answered there', "rien n'y a répondu");
    case 'status':
    case 'body':
      return L('another web site answered, not yours', 'un autre site web a répondu, pas le vôtre');
    case 'blocked':
      return L(
        'a protection page (firewall or anti-robot test) answered instead of your site',
        'une page de protection (pare-feu ou test anti-robot) a répondu à la place de votre site',
      );
    default:
      return L(
        'your site sent the visit elsewhere, where the certificate authority will not follow',
        "votre site a renvoyé la visite ailleurs, là où l'autorité de certification ne suivra pas",
      );
  }
}

/** The token fetched over each address, as the CA will. */
export const http = {
  ok: (name: string, ip: string, f: Family): Explanation => ({
    title: L(`Web check over ${fam(f).en} (${ip})`, `Test web en ${fam(f).fr} (${ip})`),
    message: L(
      `A test file placed on this server came back unchanged from ${ip}.`,
      `Un fichier de test déposé sur ce serveur est revenu intact depuis ${ip}.`,
    ),
  }),
  /**
   * The test file did not come back over one address. The client reads what it means and
   * the fix; the address fetched, the HTTP status and the system's code are technical.
   * `cloudflare`: the address is Cloudflare's proxy, whose orange cloud is the fix.
   */
  failed: (
    name: string,
    ip: string,
    f: Family,
    why: HttpFailure,
    isTarget: boolean,
    cloudflare = false,
  ): Explanation => ({
    title: L(`Web check over ${fam(f).en} (${ip})`, `Test web en ${fam(f).fr} (${ip})`),
    message: cloudflare
      ? L(
          `Your site ${name} could not be checked through Cloudflare: ${plainWhy(why, isTarget).en}. Cloudflare's proxy (the "orange cloud") stands between the certificate authority and this server.`,
          `Votre site ${name} n'a pas pu être vérifié à travers Cloudflare${NB}: ${plainWhy(why, isTarget).fr}. Le proxy de Cloudflare (le «${NB}nuage orange${NB}») se place entre l'autorité de certification et ce serveur.`,
        )
      : L(
          `When we visited your site ${name} at ${ip} (${fam(f).en}) as the certificate authority will, ${plainWhy(why, isTarget).en}.`,
          `Quand nous avons visité votre site ${name} à l'adresse ${ip} (${fam(f).fr}) comme le fera l'autorité de certification, ${plainWhy(why, isTarget).fr}.`,
        ),
    fix: cloudflare
      ? L(
          `In Cloudflare, open the DNS settings of your domain and click the orange cloud next to ${name} so that it turns grey ("DNS only"), then try again. Or keep the orange cloud and ask for your site to be secured through the DNS instead (the "dns-01" method).`,
          `Dans Cloudflare, ouvrez les réglages DNS de votre domaine et cliquez sur le nuage orange à côté de ${name} pour qu'il devienne gris («${NB}DNS uniquement${NB}»), puis réessayez. Ou gardez le nuage orange et demandez que votre site soit sécurisé par le DNS à la place (la méthode «${NB}dns-01${NB}»).`,
        )
      : isTarget && why.kind === 'redirect-elsewhere'
        ? L(
            `Let your site ${name} serve the pages under /.well-known/acme-challenge/ itself, without redirecting them elsewhere, then try again.`,
            `Laissez votre site ${name} servir lui-même les pages sous /.well-known/acme-challenge/, sans les rediriger ailleurs, puis réessayez.`,
          )
        : isTarget
          ? L(
              `Nothing to change on your side: ${ip} is your provider's web server, and it must answer for ${name}. Send your provider the technical details below, then try again once they have seen to it.`,
              `Rien à changer de votre côté${NB}: ${ip} est le serveur web de votre hébergeur, et il doit répondre pour ${name}. Envoyez à votre hébergeur les détails techniques ci-dessous, puis réessayez une fois qu'il s'en est occupé.`,
            )
          : L(
              `${ip} is not the server your site is on: correct this ${fam(f).en} address of ${name} as explained above, then try again.`,
              `${ip} n'est pas le serveur de votre site${NB}: corrigez cette adresse ${fam(f).fr} de ${name} comme expliqué plus haut, puis réessayez.`,
            ),
    technical: L(
      `http://${name}/.well-known/acme-challenge/ fetched over ${fam(f).en} at ${ip}, as the certificate authority will: ${httpWhy(why).en}.${isTarget ? ' The web server must serve such files without a password, a redirect to another port or a firewall page.' : ''}`,
      `http://${name}/.well-known/acme-challenge/ demandé en ${fam(f).fr} à ${ip}, comme le fera l'autorité de certification${NB}: ${httpWhy(why).fr}.${isTarget ? ' Le serveur web doit rendre de tels fichiers sans mot de passe, redirection vers un autre port ni page de pare-feu.' : ''}`,
    ),
  }),
  inconsistent: (name: string, outcomes: string[]): Explanation => ({
    title: L('Addresses agree', 'Cohérence des adresses'),
    message: L(
      `The addresses of ${name} do not all lead to the same site, and the certificate authority may pick any of them.`,
      `Les adresses de ${name} ne mènent pas toutes au même site, et l'autorité de certification peut choisir n'importe laquelle.`,
    ),
    fix: L(
      'Make every address of the name point to the same web site, or remove the ones that do not.',
      'Faites pointer toutes les adresses du nom vers le même site, ou supprimez celles qui ne le font pas.',
    ),
    technical: L(
      `Each address, as fetched: ${outcomes.join('; ')}.`,
      `Chaque adresse, telle que demandée${NB}: ${outcomes.join(' ; ')}.`,
    ),
  }),
};
