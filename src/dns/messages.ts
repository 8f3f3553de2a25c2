import type { Localized } from '../errors.js';
import type { Explanation } from './check.js';
import { resolverWhy } from './messages-resolver.js';
import { AT_DOMAIN, L, NB, atDomain, fam, type Family } from './messages-words.js';

/**
 * Every sentence the diagnosis speaks, in English and French, written for someone who
 * does not know what DNS is: what was found, why it matters, and the exact fix with
 * the real names and addresses in it.
 */

const list = (xs: string[], lang: 'en' | 'fr') => {
  if (xs.length <= 1) return xs.join('');
  const last = xs[xs.length - 1];
  return `${xs.slice(0, -1).join(', ')} ${lang === 'en' ? 'or' : 'ou'} ${last}`;
};
const and = (xs: string[], lang: 'en' | 'fr') => {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} ${lang === 'en' ? 'and' : 'et'} ${xs[xs.length - 1]}`;
};

/** "in 38 minutes" / "dans 38 minutes", rounded up to the minute. */
function inTime(ms: number): Localized {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 120)
    return L(`in ${minutes} minute${minutes > 1 ? 's' : ''}`, `dans ${minutes} minute${minutes > 1 ? 's' : ''}`);
  const hours = Math.ceil(minutes / 60);
  return L(`in about ${hours} hours`, `dans environ ${hours} heures`);
}

const hhmm = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;

// --- names ---------------------------------------------------------------------------------

/** Name syntax and the public suffix list. */
export const syntax = {
  ok: (name: string): Explanation => ({
    title: L('Name', 'Nom'),
    message: L(`${name} is a valid domain name.`, `${name} est un nom de domaine valide.`),
  }),
  invalid: (name: string, why: Localized, fix: Localized): Explanation => ({
    title: L('Name', 'Nom'),
    message: L(
      `${why.en} A certificate can only be issued for a valid public domain name.`,
      `${why.fr} Un certificat ne peut être émis que pour un nom de domaine public valide.`,
    ),
    fix,
  }),
  reservedLabel: (name: string, label: string): Explanation => ({
    title: L('Name', 'Nom'),
    message: L(
      `"${name}" has a part, "${label}", with two dashes in 3rd and 4th position. That form is reserved for encoded international names (xn--...), and certificate authorities refuse it.`,
      `« ${name} » a une partie, « ${label} », avec deux tirets en 3e et 4e position. Cette forme est réservée aux noms internationaux encodés (xn--...) et les autorités de certification la refusent.`,
    ),
    fix: L(
      'Use a name without "--" in that position, or type the international name in its normal letters (e.g. bücher.example).',
      'Utilisez un nom sans « -- » à cette position, ou tapez le nom international avec ses lettres normales (ex. bücher.exemple).',
    ),
  }),
  notPublic: (name: string, suffix: string): Explanation => ({
    title: L('Domain extension', 'Extension du domaine'),
    message: L(
      `${name} ends in ".${suffix}", which is not a domain extension that exists on the Internet. No public certificate authority can issue a certificate for it.`,
      `${name} se termine par « .${suffix} », qui n'est pas une extension de domaine existant sur Internet. Aucune autorité de certification publique ne peut émettre de certificat pour ce nom.`,
    ),
    fix: L(
      'Use a domain you registered with a registrar, such as shop.example.com.',
      'Utilisez un domaine enregistré auprès d’un registraire, par exemple boutique.exemple.fr.',
    ),
  }),
  bareSuffix: (name: string): Explanation => ({
    title: L('Domain extension', 'Extension du domaine'),
    message: L(
      `${name} is a domain extension itself (like .com or .co.uk), not a domain someone owns. Certificates are issued for names under it.`,
      `${name} est lui-même une extension de domaine (comme .com ou .co.uk), pas un domaine appartenant à quelqu'un. Les certificats sont émis pour des noms en dessous.`,
    ),
    fix: L(`Use your own domain, e.g. example.${name}.`, `Utilisez votre propre domaine, par ex. exemple.${name}.`),
  }),
  publicOk: (name: string, registered: string): Explanation => ({
    title: L('Domain extension', 'Extension du domaine'),
    message: L(`${name} belongs to the domain ${registered}.`, `${name} appartient au domaine ${registered}.`),
  }),
};

/** Wildcard names and the method they need. */
export const wildcard = {
  needsDns: (name: string): Explanation => ({
    title: L('Wildcard name', 'Nom générique'),
    message: L(
      `${name} is a wildcard name (it covers every name under ${name.slice(2)}). Certificate authorities only allow wildcard names to be proved through the DNS (dns-01), not through the web site (http-01).`,
      `${name} est un nom générique (il couvre tous les noms sous ${name.slice(2)}). Les autorités de certification ne permettent de prouver un nom générique que par le DNS (dns-01), pas par le site web (http-01).`,
    ),
    fix: L(
      `Choose the dns-01 method for this certificate, or list the exact names you need (e.g. www.${name.slice(2)}) instead of ${name}.`,
      `Choisissez la méthode dns-01 pour ce certificat, ou indiquez les noms exacts dont vous avez besoin (ex. www.${name.slice(2)}) au lieu de ${name}.`,
    ),
  }),
};

// --- domain exists, and what the resolver answered: src/dns/messages-resolver.ts ----------------

export { exists, resolverWhy } from './messages-resolver.js';

// --- CAA ---------------------------------------------------------------------------------------

const caaRecordFor = (ids: string[], wild: boolean) =>
  ids.map((id) => `0 ${wild ? 'issuewild' : 'issue'} "${id}"`).join(', ');

/** CAA: which certificate authorities the domain allows. */
export const caa = {
  none: (name: string): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `${name} has no CAA record, so any certificate authority may issue for it.`,
      `${name} n'a pas d'enregistrement CAA : toute autorité de certification peut émettre pour ce nom.`,
    ),
  }),
  allows: (name: string, holder: string, cas: string[]): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `The CAA records at ${holder} allow ${and(cas, 'en')} to issue for ${name}.`,
      `Les enregistrements CAA de ${holder} autorisent ${and(cas, 'fr')} à émettre pour ${name}.`,
    ),
  }),
  forbids: (name: string, holder: string, found: string[], caIds: string[], wild: boolean): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `Your domain ${holder} keeps a list of the authorities allowed to secure it${wild ? ` (for names starting with *.)` : ''}, and only ${found.length ? and(found, 'en') : 'nobody'} is on it. Our certificate authority (${list(caIds, 'en')}) is not, so it must refuse to secure ${name}.`,
      `Votre domaine ${holder} tient une liste des autorités autorisées à le sécuriser${wild ? ` (pour les noms commençant par *.)` : ''}, et seul${found.length ? ` ${and(found, 'fr')}` : ' personne'} y figure. Notre autorité de certification (${list(caIds, 'fr')}) n'y est pas${NB}: elle doit refuser de sécuriser ${name}.`,
    ),
    fix: L(
      `${AT_DOMAIN.en}, add ${caIds[0]} to the list of authorities allowed to secure ${holder}${found.length ? `, and keep ${and(found, 'en')} if you also use ${found.length > 1 ? 'them' : 'it'}` : ''}. The exact line, to pass on: CAA ${caaRecordFor(caIds.slice(0, 1), wild)}.`,
      `${AT_DOMAIN.fr}, ajoutez ${caIds[0]} à la liste des autorités autorisées à sécuriser ${holder}${found.length ? `, et gardez ${and(found, 'fr')} si vous ${found.length > 1 ? 'les ' : "l'"}utilisez aussi` : ''}. La ligne exacte, à leur transmettre${NB}: CAA ${caaRecordFor(caIds.slice(0, 1), wild)}.`,
    ),
  }),
  methodExcluded: (name: string, holder: string, method: string, allowed: string[]): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `The CAA record at ${holder} allows our certificate authority only with the ${and(allowed, 'en')} method, not ${method}.`,
      `L'enregistrement CAA de ${holder} n'autorise notre autorité de certification qu'avec la méthode ${and(allowed, 'fr')}, pas ${method}.`,
    ),
    fix: L(
      `Choose the ${allowed[0]} method, or, ${atDomain.en}, allow ${method} too in the list of authorities allowed to secure ${holder}. The exact change, to pass on: add ${method} to "validationmethods=" in its CAA record.`,
      `Choisissez la méthode ${allowed[0]}, ou, ${atDomain.fr}, autorisez aussi ${method} dans la liste des autorités autorisées à sécuriser ${holder}. La modification exacte, à leur transmettre${NB}: ajouter ${method} à «${NB}validationmethods=${NB}» dans son enregistrement CAA.`,
    ),
  }),
  accountBound: (name: string, holder: string): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `The CAA record at ${holder} allows our certificate authority only for another account ("accounturi="), not the one this service uses.`,
      `L'enregistrement CAA de ${holder} n'autorise notre autorité de certification que pour un autre compte (« accounturi= »), pas celui qu'utilise ce service.`,
    ),
    fix: L(
      `${AT_DOMAIN.en}, allow our certificate authority for any account in the list of authorities allowed to secure ${holder}, or ask your provider for the account to name in it. The exact change, to pass on: remove "accounturi=" from its CAA record, or put our account's address there.`,
      `${AT_DOMAIN.fr}, autorisez notre autorité de certification pour tout compte dans la liste des autorités autorisées à sécuriser ${holder}, ou demandez à votre hébergeur le compte à y indiquer. La modification exacte, à leur transmettre${NB}: retirer «${NB}accounturi=${NB}» de son enregistrement CAA, ou y mettre l'adresse de notre compte.`,
    ),
  }),
  criticalUnknown: (name: string, holder: string, tag: string): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `The domain has a CAA record at ${holder} with a property "${tag}" marked critical that certificate authorities do not know. The rules say they must then refuse to issue.`,
      `Le domaine a un enregistrement CAA sur ${holder} avec une propriété « ${tag} » marquée critique que les autorités de certification ne connaissent pas. Les règles les obligent alors à refuser.`,
    ),
    fix: L(
      `${AT_DOMAIN.en}, remove the unknown rule "${tag}" from the list of authorities allowed to secure ${holder}. The exact change, to pass on: delete that CAA record (tag "${tag}"), or set its flag to 0.`,
      `${AT_DOMAIN.fr}, retirez la règle inconnue «${NB}${tag}${NB}» de la liste des autorités autorisées à sécuriser ${holder}. La modification exacte, à leur transmettre${NB}: supprimer cet enregistrement CAA (propriété «${NB}${tag}${NB}»), ou mettre son drapeau à 0.`,
    ),
  }),
  someExcluded: (name: string, allowed: string[], excluded: string[]): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `The CAA records of ${name} allow ${and(allowed, 'en')} but not ${and(excluded, 'en')}: only the allowed ones will be asked.`,
      `Les enregistrements CAA de ${name} autorisent ${and(allowed, 'fr')} mais pas ${and(excluded, 'fr')} : seules les autorités permises seront sollicitées.`,
    ),
  }),
  unknownIdentity: (name: string, holder: string, cas: string[]): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `${holder} has CAA records, and serein does not know which name ${and(cas, 'en')} uses in them, so it cannot tell whether they allow it.`,
      `${holder} a des enregistrements CAA, et serein ne sait pas quel nom ${and(cas, 'fr')} y utilise : il ne peut pas dire s'ils l'autorisent.`,
    ),
    fix: L(
      'Your provider can set "caaIdentities" for that certificate authority in the configuration.',
      'Votre hébergeur peut renseigner « caaIdentities » pour cette autorité dans la configuration.',
    ),
  }),
  lookupFailed: (name: string, at: string, code: string): Explanation => ({
    title: L('Allowed certificate authorities (CAA)', 'Autorités de certification permises (CAA)'),
    message: L(
      `The servers of your domain did not answer when asked which authorities may secure ${at}. Certificate authorities refuse to secure a domain when they get no answer to that question.`,
      `Les serveurs de votre domaine n'ont pas répondu quand on leur a demandé quelles autorités peuvent sécuriser ${at}. Les autorités de certification refusent de sécuriser un domaine quand cette question reste sans réponse.`,
    ),
    fix: L(
      `Ask the company that manages your domain (often where you bought it) to make its DNS servers answer that question, even to say "none listed"; forward them the technical details below. Then try again.`,
      `Demandez à la société qui gère votre domaine (souvent là où vous l'avez acheté) que ses serveurs DNS répondent à cette question, même pour dire «${NB}aucune${NB}»${NB}; transmettez-lui les détails techniques ci-dessous. Puis réessayez.`,
    ),
    technical: L(
      `The CAA query for ${at} got no answer (${code}: ${resolverWhy(code).en}). The domain's DNS must answer CAA queries, even with no record (NOERROR, empty answer).`,
      `La requête CAA pour ${at} est restée sans réponse (${code}${NB}: ${resolverWhy(code).fr}). Le DNS du domaine doit répondre aux requêtes CAA, même sans enregistrement (NOERROR, réponse vide).`,
    ),
  }),
};

// --- addresses ---------------------------------------------------------------------------------

/**
 * The fix for an address that is not this server, in words a client can act on or forward:
 * remove it, or replace it with the server's real address (`targets` null: unknown, the
 * provider gives it). The record itself (A or AAAA) is in the check's detail and repair.
 */
const pointTo = (name: string, ip: string, targets: string[] | null, f: Family): Localized => {
  const where = AT_DOMAIN;
  if (targets === null) {
    return L(
      `${where.en}, remove the ${fam(f).en} address ${ip} from ${name}, or replace it with the address of the server your site is on: your provider can give it to you.`,
      `${where.fr}, supprimez l'adresse ${fam(f).fr} ${ip} de ${name}, ou remplacez-la par l'adresse du serveur de votre site${NB}: votre hébergeur peut vous la donner.`,
    );
  }
  if (targets.length === 0) {
    return L(
      `${where.en}, remove the ${fam(f).en} address ${ip} from ${name}: the server your site is on has no ${fam(f).en} address, so this one only sends visitors elsewhere.`,
      `${where.fr}, supprimez l'adresse ${fam(f).fr} ${ip} de ${name}${NB}: le serveur de votre site n'a pas d'adresse ${fam(f).fr}, celle-ci envoie donc vos visiteurs ailleurs.`,
    );
  }
  return L(
    `${where.en}, remove the ${fam(f).en} address ${ip} from ${name}, or replace it with ${list(targets, 'en')}.`,
    `${where.fr}, supprimez l'adresse ${fam(f).fr} ${ip} de ${name}, ou remplacez-la par ${list(targets, 'fr')}.`,
  );
};

/** A and AAAA records: present, reachable, and this server's. */
export const addresses = {
  ok: (name: string, a: string[], aaaa: string[]): Explanation => ({
    title: L('Addresses', 'Adresses'),
    message: L(
      `${name} points to ${and([...a, ...aaaa], 'en')}.`,
      `${name} pointe vers ${and([...a, ...aaaa], 'fr')}.`,
    ),
  }),
  none: (name: string, v4: string[], v6: string[]): Explanation => ({
    title: L('Addresses', 'Adresses'),
    message: L(
      `${name} has no address at all: browsers and the certificate authority cannot find your site.`,
      `${name} n'a aucune adresse${NB}: ni les navigateurs ni l'autorité de certification ne peuvent trouver votre site.`,
    ),
    fix:
      v4.length || v6.length
        ? L(
            `${AT_DOMAIN.en}, give ${name} ${v4.length ? `the IPv4 address ${v4[0]}` : ''}${v4.length && v6.length ? ' and ' : ''}${v6.length ? `the IPv6 address ${v6[0]}` : ''}.`,
            `${AT_DOMAIN.fr}, donnez à ${name} ${v4.length ? `l'adresse IPv4 ${v4[0]}` : ''}${v4.length && v6.length ? ' et ' : ''}${v6.length ? `l'adresse IPv6 ${v6[0]}` : ''}.`,
          )
        : L(
            `${AT_DOMAIN.en}, give ${name} the address of the server your site is on: your provider can give it to you.`,
            `${AT_DOMAIN.fr}, donnez à ${name} l'adresse du serveur de votre site${NB}: votre hébergeur peut vous la donner.`,
          ),
  }),
  lookupFailed: (name: string, code: string): Explanation => ({
    title: L('Addresses', 'Adresses'),
    message: L(
      `Our DNS check got no answer when it asked for the address of ${name}. This does not say that your domain is wrong.`,
      `Notre vérification DNS n'a pas obtenu de réponse en demandant l'adresse de ${name}. Cela ne veut pas dire que votre domaine est en faute.`,
    ),
    fix: L(
      'Nothing to change yet: try again in a few minutes. If it still fails in an hour, forward the technical details below to the company that manages your domain (often where you bought it).',
      "Rien à changer pour l'instant${NB}: réessayez dans quelques minutes. Si cela échoue encore dans une heure, transmettez les détails techniques ci-dessous à la société qui gère votre domaine (souvent là où vous l'avez acheté).",
    ),
    technical: L(
      `The A and AAAA queries for ${name} got no answer from the resolver our check asks (${code}: ${resolverWhy(code).en}). Check that the domain's nameservers are up and answer.`,
      `Les requêtes A et AAAA pour ${name} sont restées sans réponse du résolveur qu'interroge notre vérification (${code}${NB}: ${resolverWhy(code).fr}). Vérifiez que les serveurs de noms du domaine fonctionnent et répondent.`,
    ),
  }),
  /**
   * The name is an alias (CNAME) of a name that does not exist or has no address. No DNS
   * host accepts an address beside an alias, so the fix is to change or remove the alias;
   * serein offers no repair of its own (it changes addresses, not aliases).
   */
  danglingAlias: (name: string, target: string, gone: boolean, v4: string[], v6: string[]): Explanation => {
    const mine = [...v4, ...v6];
    return {
      title: L('Addresses', 'Adresses'),
      message: L(
        `${name} is set to follow another name, ${target}, which ${gone ? 'does not exist' : 'has no address'}: browsers and the certificate authority cannot find your site.`,
        `${name} est réglé pour suivre un autre nom, ${target}, qui ${gone ? "n'existe pas" : "n'a pas d'adresse"}${NB}: ni les navigateurs ni l'autorité de certification ne trouvent votre site.`,
      ),
      fix: mine.length
        ? L(
            `${AT_DOMAIN.en}, change the line for ${name} that points to ${target}: point it to a name that works, or delete that line and give ${name} the address ${list(mine, 'en')} instead.`,
            `${AT_DOMAIN.fr}, modifiez la ligne de ${name} qui pointe vers ${target}${NB}: faites-la pointer vers un nom qui fonctionne, ou supprimez cette ligne et donnez plutôt à ${name} l'adresse ${list(mine, 'fr')}.`,
          )
        : L(
            `${AT_DOMAIN.en}, change the line for ${name} that points to ${target}: point it to a name that works, or delete that line and give ${name} the address of the server your site is on (your provider can give it to you).`,
            `${AT_DOMAIN.fr}, modifiez la ligne de ${name} qui pointe vers ${target}${NB}: faites-la pointer vers un nom qui fonctionne, ou supprimez cette ligne et donnez plutôt à ${name} l'adresse du serveur de votre site (votre hébergeur peut vous la donner).`,
          ),
      technical: L(
        `${name} is a CNAME to ${target}, which ${gone ? 'does not exist (NXDOMAIN)' : 'has no A or AAAA record'}. A name with a CNAME can hold no other record: change the CNAME's target, or delete the CNAME and then add ${mine.length ? mine.map((ip) => `${ip.includes(':') ? 'AAAA' : 'A'} ${ip}`).join(', ') : "the A record of the site's server"}.`,
        `${name} est un CNAME vers ${target}, qui ${gone ? "n'existe pas (NXDOMAIN)" : "n'a aucun enregistrement A ou AAAA"}. Un nom qui a un CNAME ne peut avoir aucun autre enregistrement${NB}: changez la cible du CNAME, ou supprimez le CNAME puis ajoutez ${mine.length ? mine.map((ip) => `${ip.includes(':') ? 'AAAA' : 'A'} ${ip}`).join(', ') : "l'enregistrement A du serveur du site"}.`,
      ),
    };
  },
  reserved: (name: string, ip: string, f: Family, what: Localized, targets: string[] | null): Explanation => ({
    title: L(`${fam(f).en} address ${ip}`, `Adresse ${fam(f).fr} ${ip}`),
    message: L(
      `Your domain ${name} has an ${fam(f).en} address, ${ip}, which is ${what.en}: nobody on the Internet, including the certificate authority, can reach it.`,
      `Votre domaine ${name} a une adresse ${fam(f).fr}, ${ip}, qui est ${what.fr} : personne sur Internet, y compris l'autorité de certification, ne peut l'atteindre.`,
    ),
    fix: pointTo(name, ip, targets, f),
  }),
  notTarget: (name: string, ip: string, f: Family, targets: string[] | null): Explanation => ({
    title: L(`${fam(f).en} address ${ip}`, `Adresse ${fam(f).fr} ${ip}`),
    message: L(
      `Your domain ${name} has an ${fam(f).en} address, ${ip}, that is not this server. The certificate authority may knock at that address${f === 'ipv6' ? ' (it tries IPv6 first)' : ''} and will not find the proof there.`,
      `Votre domaine ${name} a une adresse ${fam(f).fr}, ${ip}, qui n'est pas ce serveur. L'autorité de certification peut frapper à cette adresse${f === 'ipv6' ? ' (elle essaie IPv6 en premier)' : ''} et n'y trouvera pas la preuve.`,
    ),
    fix: pointTo(name, ip, targets, f),
  }),
  isTarget: (name: string, ip: string, f: Family): Explanation => ({
    title: L(`${fam(f).en} address ${ip}`, `Adresse ${fam(f).fr} ${ip}`),
    message: L(`${ip} is an address of this server.`, `${ip} est une adresse de ce serveur.`),
  }),
  targetUnknown: (name: string): Explanation => ({
    title: L('Server addresses', 'Adresses du serveur'),
    message: L(
      `serein does not know this server's public addresses, so it cannot check that ${name} points here.`,
      `serein ne connaît pas les adresses publiques de ce serveur : il ne peut pas vérifier que ${name} pointe ici.`,
    ),
    fix: L(
      'Your provider can list them in "publicAddresses" for this web server.',
      'Votre hébergeur peut les indiquer dans « publicAddresses » pour ce serveur web.',
    ),
  }),
  notNeededForDns: (name: string, ip: string, f: Family, targets: string[] | null): Explanation => ({
    title: L(`${fam(f).en} address ${ip}`, `Adresse ${fam(f).fr} ${ip}`),
    message: L(
      `Your domain ${name} has an ${fam(f).en} address, ${ip}, that is not this server. The certificate can still be issued through the DNS, but visitors going to ${ip} will not see it.`,
      `Votre domaine ${name} a une adresse ${fam(f).fr}, ${ip}, qui n'est pas ce serveur. Le certificat peut tout de même être émis par le DNS, mais les visiteurs envoyés vers ${ip} ne le verront pas.`,
    ),
    fix: pointTo(name, ip, targets, f),
  }),
  cloudflareProxy: (name: string, ip: string): Explanation => ({
    title: L(`Cloudflare's orange cloud`, 'Le nuage orange de Cloudflare'),
    message: L(
      `${name} goes through Cloudflare's proxy (the "orange cloud"), so the certificate authority reaches Cloudflare, not this server. It works only if Cloudflare passes the check through unchanged: the web check below says whether it does.`,
      `${name} passe par le proxy de Cloudflare (le «${NB}nuage orange${NB}»)${NB}: l'autorité de certification joint donc Cloudflare, pas ce serveur. Cela ne marche que si Cloudflare laisse passer la vérification telle quelle${NB}: le test web ci-dessous dit si c'est le cas.`,
    ),
    fix: L(
      `If the web check fails: in Cloudflare, click the orange cloud next to ${name} so that it turns grey ("DNS only"), or ask for your site to be secured through the DNS instead (the "dns-01" method).`,
      `Si le test web échoue${NB}: dans Cloudflare, cliquez sur le nuage orange à côté de ${name} pour qu'il devienne gris («${NB}DNS uniquement${NB}»), ou demandez que votre site soit sécurisé par le DNS à la place (la méthode «${NB}dns-01${NB}»).`,
    ),
    technical: L(
      `${ip} is in Cloudflare's published proxy ranges; the A/AAAA record of ${name} is proxied.`,
      `${ip} fait partie des plages publiées des proxys de Cloudflare${NB}; l'enregistrement A/AAAA de ${name} passe par le proxy.`,
    ),
  }),
};

// --- HTTP token: src/dns/messages-http.ts ------------------------------------------------

export { http, type HttpFailure } from './messages-http.js';

// --- dns-01: src/dns/messages-dns01.ts ------------------------------------------------------

export { dns01 } from './messages-dns01.js';

// --- failure budget ----------------------------------------------------------------------------

/** The failed-validation budget at the CA. */
export const budget = {
  ok: (name: string, used: number, max: number): Explanation => ({
    title: L('Attempts left', 'Tentatives restantes'),
    message: L(
      `${name} has ${max - used} of ${max} validation attempts left this hour at the certificate authority.`,
      `${name} a encore ${max - used} tentatives de validation sur ${max} cette heure auprès de l'autorité de certification.`,
    ),
  }),
  exceeded: (name: string, ca: string, used: number, windowMinutes: number, retryAt: Date, now: Date): Explanation => ({
    title: L('Attempts left', 'Tentatives restantes'),
    message: L(
      `${name} failed validation ${used} times in the last ${windowMinutes} minutes at ${ca}, which is as many as the certificate authority tolerates: it would refuse, and keep refusing longer. serein will not ask again before ${hhmm(retryAt)} (${inTime(retryAt.getTime() - now.getTime()).en}).`,
      `${name} a échoué ${used} fois à la validation ces ${windowMinutes} dernières minutes auprès de ${ca}, soit autant que ce que l'autorité de certification tolère : elle refuserait, et plus longtemps encore. serein ne redemandera pas avant ${hhmm(retryAt)} (${inTime(retryAt.getTime() - now.getTime()).fr}).`,
    ),
    fix: L(
      `Fix the problems listed above, then try again after ${hhmm(retryAt)}.`,
      `Corrigez les problèmes indiqués ci-dessus, puis réessayez après ${hhmm(retryAt)}.`,
    ),
  }),
};
