import type { Explanation } from './check.js';
import { L, NB } from './messages-words.js';

/**
 * What the preflight says when the DNS does not give everyone the same answer: one of the
 * domain's own servers (an old copy, a server that no longer holds the zone), or one place on
 * the Internet seeing another address than the others. Clients read who fixes it in plain
 * words; which server, address or place answered what is in the check's detail for admins.
 */

const NS_TITLE = L('Servers of your domain', 'Serveurs de votre domaine');
const VP_TITLE = L('Seen from several places', 'Vu de plusieurs endroits');

const sometimes = (name: string) =>
  L(
    `Certificate authorities ask any of these servers, from several places: some attempts to secure ${name} would get the wrong answer and fail.`,
    `Les autorités de certification interrogent n'importe lequel de ces serveurs, depuis plusieurs endroits${NB}: certaines tentatives de sécuriser ${name} obtiendraient la mauvaise réponse et échoueraient.`,
  );

/** One nameserver's answer as a technician reads it. */
export interface ServerFacts {
  server: string;
  address: string;
  serial: number | null;
  records: string[];
  problem?: string;
}
const said = (v: ServerFacts, lang: 'en' | 'fr') =>
  `${v.server}${v.address || v.serial !== null ? ` (${[v.address, v.serial !== null ? `serial ${v.serial}` : ''].filter(Boolean).join(', ')})` : ''} ${v.problem ? (lang === 'en' ? `answered ${v.problem}` : `a répondu ${v.problem}`) : `${lang === 'en' ? 'answered' : 'a répondu'} ${v.records.join(', ') || (lang === 'en' ? 'nothing' : 'rien')}`}`;
const servers = (differing: ServerFacts[], expected: ServerFacts | null) =>
  L(
    `${differing.map((v) => said(v, 'en')).join('; ')}${expected ? `; while ${said(expected, 'en')}` : ''}.`,
    `${differing.map((v) => said(v, 'fr')).join(`${NB}; `)}${expected ? `${NB}; alors que ${said(expected, 'fr')}` : ''}.`,
  );

/** Every authoritative nameserver asked the CA's questions. */
export const nameservers = {
  agree: (name: string, count: number, families: string[]): Explanation => ({
    title: NS_TITLE,
    message: L(
      `The ${count} server${count > 1 ? 's' : ''} that answer${count > 1 ? '' : 's'} for ${name} give${count > 1 ? '' : 's'} the same answers (${families.map((f) => (f === 'ipv6' ? 'IPv6' : 'IPv4')).join(', ')}).`,
      `${count > 1 ? `Les ${count} serveurs` : 'Le serveur'} qui répond${count > 1 ? 'ent' : ''} pour ${name} donne${count > 1 ? 'nt' : ''} les mêmes réponses (${families.map((f) => (f === 'ipv6' ? 'IPv6' : 'IPv4')).join(', ')}).`,
    ),
  }),
  oldCopy: (
    name: string,
    zone: string,
    differing: number,
    count: number,
    facts: ServerFacts[],
    expected: ServerFacts,
  ): Explanation => ({
    technical: L(
      `An old copy of the zone (a lower serial): ${servers(facts, expected).en}`,
      `Une ancienne copie de la zone (un numéro de série plus bas)${NB}: ${servers(facts, expected).fr}`,
    ),
    title: NS_TITLE,
    message: L(
      `${differing > 1 ? `${differing} of the ${count}` : 'One of the'} servers that answer for your domain still give${differing > 1 ? '' : 's'} an old address: ask your DNS host to update ${differing > 1 ? 'them' : 'it'}. ${sometimes(name).en}`,
      `${differing > 1 ? `${differing} des ${count}` : "L'un des"} serveurs qui répondent pour votre domaine donne${differing > 1 ? 'nt' : ''} encore une ancienne adresse${NB}: demandez à votre hébergeur DNS de ${differing > 1 ? 'les' : 'le'} mettre à jour. ${sometimes(name).fr}`,
    ),
    fix: L(
      `Forward the technical details to the company that hosts the DNS of ${zone}: the server named there still gives out-of-date answers. Then try again.`,
      `Transmettez les détails techniques à la société qui héberge le DNS de ${zone}${NB}: le serveur qui y est nommé donne encore des réponses périmées. Puis réessayez.`,
    ),
  }),
  differ: (
    name: string,
    zone: string,
    differing: number,
    count: number,
    facts: ServerFacts[],
    expected: ServerFacts,
  ): Explanation => ({
    technical: servers(facts, expected),
    title: NS_TITLE,
    message: L(
      `${differing > 1 ? `${differing} of the ${count}` : 'One of the'} servers that answer for your domain give${differing > 1 ? '' : 's'} a different answer from the others: ask your DNS host to make them agree. ${sometimes(name).en}`,
      `${differing > 1 ? `${differing} des ${count}` : "L'un des"} serveurs qui répondent pour votre domaine donne${differing > 1 ? 'nt' : ''} une réponse différente des autres${NB}: demandez à votre hébergeur DNS de les mettre d'accord. ${sometimes(name).fr}`,
    ),
    fix: L(
      `Forward the technical details to the company that hosts the DNS of ${zone}; then try again.`,
      `Transmettez les détails techniques à la société qui héberge le DNS de ${zone}, puis réessayez.`,
    ),
  }),
  lame: (name: string, zone: string, silent: number, count: number, facts: ServerFacts[]): Explanation => ({
    technical: servers(facts, null),
    title: NS_TITLE,
    message: L(
      `${silent > 1 ? `${silent} of the ${count}` : 'One of the'} servers listed for your domain ${silent > 1 ? 'do' : 'does'} not answer for it: ask your DNS host or registrar to remove ${silent > 1 ? 'them' : 'it'} from the list. Certificate authorities then try another server, which slows them down.`,
      `${silent > 1 ? `${silent} des ${count}` : "L'un des"} serveurs indiqués pour votre domaine ne répond${silent > 1 ? 'ent' : ''} pas pour lui${NB}: demandez à votre hébergeur DNS ou à votre registraire de ${silent > 1 ? 'les' : 'le'} retirer de la liste. Les autorités de certification essaient alors un autre serveur, ce qui les ralentit.`,
    ),
    fix: L(
      `At your registrar, list only the servers of the company that hosts the DNS of ${zone} (the technical details name the one that does not answer).`,
      `Chez votre registraire, n'indiquez que les serveurs de la société qui héberge le DNS de ${zone} (les détails techniques nomment celui qui ne répond pas).`,
    ),
  }),
  unreachable: (
    name: string,
    zone: string,
    refused: number,
    count: number,
    facts: { server: string; address: string; reason: { en: string; fr: string } }[],
  ): Explanation => {
    const all = refused === count;
    return {
      technical: L(
        `Not asked (no question sent): ${facts.map((f) => `${f.server} (${f.address}), ${f.reason.en}`).join('; ')}.`,
        `Non interrogés (aucune question envoyée)${NB}: ${facts.map((f) => `${f.server} (${f.address}), ${f.reason.fr}`).join(`${NB}; `)}.`,
      ),
      title: NS_TITLE,
      message: all
        ? L(
            `The servers listed for your domain have addresses that cannot be reached from the Internet: ask your DNS host or registrar to correct the list. Until then, certificate authorities may not be able to read ${name}.`,
            `Les serveurs indiqués pour votre domaine ont des adresses qu'on ne peut pas joindre depuis Internet${NB}: demandez à votre hébergeur DNS ou à votre registraire de corriger la liste. D'ici là, les autorités de certification risquent de ne pas pouvoir lire ${name}.`,
          )
        : L(
            `${refused > 1 ? `${refused} of the ${count}` : 'One of the'} servers listed for your domain ${refused > 1 ? 'have addresses' : 'has an address'} that cannot be reached from the Internet: ask your DNS host or registrar to correct the list. Certificate authorities then try another server, which slows them down.`,
            `${refused > 1 ? `${refused} des ${count}` : "L'un des"} serveurs indiqués pour votre domaine ${refused > 1 ? 'ont des adresses' : 'a une adresse'} qu'on ne peut pas joindre depuis Internet${NB}: demandez à votre hébergeur DNS ou à votre registraire de corriger la liste. Les autorités de certification essaient alors un autre serveur, ce qui les ralentit.`,
          ),
      fix: L(
        `At your registrar, list only the servers of the company that hosts the DNS of ${zone}, with the addresses it gives (the technical details name the ones that cannot be reached).`,
        `Chez votre registraire, n'indiquez que les serveurs de la société qui héberge le DNS de ${zone}, avec les adresses qu'elle donne (les détails techniques nomment celles qu'on ne peut pas joindre).`,
      ),
    };
  },
  noneAnswer: (name: string, zone: string): Explanation => ({
    title: NS_TITLE,
    message: L(
      `We could not ask the servers of ${zone} directly; the other checks, made through our DNS check, still apply to ${name}.`,
      `Nous n'avons pas pu interroger directement les serveurs de ${zone}${NB}; les autres vérifications, faites par notre test DNS, s'appliquent toujours à ${name}.`,
    ),
  }),
};

/** The same questions asked from each configured vantage point. */
export const vantage = {
  onePlace: (name: string): Explanation => ({
    title: VP_TITLE,
    message: L(
      `${name} was looked at from one place only; certificate authorities look from several, and a domain that answers differently by place (a CDN, geo DNS) may still fail there.`,
      `${name} a été vérifié depuis un seul endroit${NB}; les autorités de certification regardent depuis plusieurs, et un domaine qui répond différemment selon l'endroit (un CDN, un DNS géographique) peut encore y échouer.`,
    ),
  }),
  agree: (name: string, places: number): Explanation => ({
    title: VP_TITLE,
    message: L(
      `${name} gives the same answers from all ${places} places we looked from.`,
      `${name} donne les mêmes réponses depuis les ${places} endroits d'où nous avons regardé.`,
    ),
  }),
  tolerated: (name: string, differing: string[], places: number): Explanation => ({
    title: VP_TITLE,
    message: L(
      `${name} looks different from one of ${places} places (${differing.join(', ')}); certificate authorities accept one such place, but ask your DNS host or CDN why if it lasts.`,
      `${name} apparaît différemment depuis l'un des ${places} endroits (${differing.join(', ')})${NB}; les autorités de certification acceptent un tel endroit, mais demandez pourquoi à votre hébergeur DNS ou à votre CDN si cela dure.`,
    ),
  }),
  differ: (name: string, differing: string[], places: number): Explanation => ({
    title: VP_TITLE,
    message: L(
      `Ask your DNS host or CDN to give ${name} the same address everywhere, at least while it is secured: it looks different from ${differing.length} of ${places} places (${differing.join(', ')}), and certificate authorities, which check from several places, refuse it then.`,
      `Demandez à votre hébergeur DNS ou à votre CDN de donner à ${name} la même adresse partout, au moins le temps de le sécuriser${NB}: il apparaît différemment depuis ${differing.length} des ${places} endroits (${differing.join(', ')}), et les autorités de certification, qui vérifient depuis plusieurs endroits, le refusent alors.`,
    ),
    fix: L(
      `Forward the technical details (which place sees which address) to your DNS host or CDN; then try again.`,
      `Transmettez les détails techniques (quel endroit voit quelle adresse) à votre hébergeur DNS ou à votre CDN, puis réessayez.`,
    ),
  }),
};
