import type { Localized } from '../errors.js';
import type { Explanation } from './check.js';
import type { DnsProvider } from './provider.js';
import { AT_DOMAIN, L, NB } from './messages-words.js';

/**
 * What the diagnosis says about the dns-01 method (the proof record, where serein writes
 * it, delegation, the nameservers), in English and French, for people who do not know
 * what DNS is: the exact record to add, with its values, and where to add it.
 */

/** A DNS host's kind as a client may read it (never its address). */
export type ProviderKind = DnsProvider['kind'];
const KIND: Record<ProviderKind, Localized> = {
  cloudflare: L('Cloudflare', 'Cloudflare'),
  powerdns: L('PowerDNS', 'PowerDNS'),
  rfc2136: L('our DNS server', 'notre serveur DNS'),
};

/** The dns-01 method: the proof record, DNS access, delegation, nameservers. */
export const dns01 = {
  txtOk: (name: string, at: string): Explanation => ({
    title: L('DNS proof record', 'Enregistrement DNS de preuve'),
    message: L(
      `${at} can be looked up; the proof record for ${name} will be written there.`,
      `${at} peut être consulté ; l'enregistrement de preuve de ${name} y sera écrit.`,
    ),
  }),
  txtDelegated: (name: string, from: string, to: string): Explanation => ({
    title: L('DNS proof record', 'Enregistrement DNS de preuve'),
    message: L(
      `${from} is delegated (CNAME) to ${to}; the proof record for ${name} will be written there.`,
      `${from} est délégué (CNAME) vers ${to} ; l'enregistrement de preuve de ${name} y sera écrit.`,
    ),
  }),
  txtFailed: (name: string, at: string, code: string): Explanation => ({
    title: L('DNS proof record', 'Enregistrement DNS de preuve'),
    message: L(
      `The servers of your domain did not answer where the proof for ${name} will be written; the certificate authority would not be able to read it either.`,
      `Les serveurs de votre domaine n'ont pas répondu là où la preuve de ${name} sera écrite${NB}; l'autorité de certification ne pourrait pas la lire non plus.`,
    ),
    fix: L(
      'Try again in a few minutes. If it still fails, forward the technical details below to the company that manages your domain (often where you bought it).',
      "Réessayez dans quelques minutes. Si cela échoue encore, transmettez les détails techniques ci-dessous à la société qui gère votre domaine (souvent là où vous l'avez acheté).",
    ),
    technical: L(
      `The TXT query for ${at} got no answer (${code}). The domain's nameservers must answer for it.`,
      `La requête TXT pour ${at} est restée sans réponse (${code}). Les serveurs de noms du domaine doivent répondre pour ce nom.`,
    ),
  }),
  doubled: (name: string, wrong: string, right: string): Explanation => ({
    title: L('Misplaced DNS record', 'Enregistrement DNS mal placé'),
    message: L(
      `There is a record at ${wrong}: the domain name was typed twice. DNS panels add the domain themselves, so "${right}" typed in full became ${wrong}.`,
      `Il existe un enregistrement sur ${wrong} : le nom du domaine a été tapé deux fois. Les interfaces DNS ajoutent le domaine elles-mêmes, donc « ${right} » tapé en entier est devenu ${wrong}.`,
    ),
    fix: L(
      `${AT_DOMAIN.en}, delete the line for ${wrong} in your domain's settings. When you add a line by hand, type only the part before the domain.`,
      `${AT_DOMAIN.fr}, supprimez la ligne de ${wrong} dans les réglages de votre domaine. Quand vous ajoutez une ligne à la main, tapez seulement la partie avant le domaine.`,
    ),
  }),
  zoneOk: (name: string, zone: string, kind: ProviderKind): Explanation => ({
    title: L('DNS access', 'Accès au DNS'),
    message: L(
      `serein can write DNS records in the zone ${zone} (${KIND[kind].en}).`,
      `serein peut écrire des enregistrements DNS dans la zone ${zone} (${KIND[kind].fr}).`,
    ),
  }),
  noProvider: (name: string): Explanation => ({
    title: L('DNS access', 'Accès au DNS'),
    message: L(
      `The dns-01 method needs serein to write a record in the DNS of ${name}, and no DNS provider is configured.`,
      `La méthode dns-01 demande que serein écrive un enregistrement dans le DNS de ${name}, et aucun fournisseur DNS n'est configuré.`,
    ),
    fix: L(
      'Use the http-01 method, or ask your provider to connect your DNS (Cloudflare, PowerDNS, or a DNS server taking signed updates).',
      'Utilisez la méthode http-01, ou demandez à votre hébergeur de connecter votre DNS (Cloudflare, PowerDNS, ou un serveur DNS acceptant les mises à jour signées).',
    ),
  }),
  zoneMissing: (name: string): Explanation => ({
    title: L('DNS access', 'Accès au DNS'),
    message: L(
      `serein cannot write in the DNS of ${name}: none of the DNS hosts it is connected to holds that domain, or it is not allowed to change it.`,
      `serein ne peut pas écrire dans le DNS de ${name} : aucun des hébergeurs DNS auxquels il est relié ne gère ce domaine, ou il n'a pas le droit de le modifier.`,
    ),
    fix: L(
      'Use the http-01 method, or ask your provider to connect the DNS of this domain (for Cloudflare: an API token with "Zone / DNS / Edit" on that zone).',
      'Utilisez la méthode http-01, ou demandez à votre hébergeur de connecter le DNS de ce domaine (pour Cloudflare : un jeton d’API avec « Zone / DNS / Modifier » sur cette zone).',
    ),
  }),
  /** No API for the client's DNS: one CNAME, added once by the client, lets serein prove every time. */
  cnameMissing: (name: string, at: string, target: string): Explanation => ({
    title: L('DNS proof record', 'Enregistrement DNS de preuve'),
    message: L(
      `To prove through the DNS that ${name} is yours, serein needs one record in your domain's DNS, added once: it then writes each proof on its own side, without access to your DNS. That record is not there yet.`,
      `Pour prouver par le DNS que ${name} vous appartient, serein a besoin d'un enregistrement dans le DNS de votre domaine, ajouté une seule fois : il écrit ensuite chaque preuve de son côté, sans accès à votre DNS. Cet enregistrement n'existe pas encore.`,
    ),
    fix: L(
      `${AT_DOMAIN.en}, add this one line to your domain's settings, exactly as written: name ${at}, type CNAME, value ${target}. Then try again (it can take a few minutes to be seen).`,
      `${AT_DOMAIN.fr}, ajoutez cette ligne aux réglages de votre domaine, exactement ainsi${NB}: nom ${at}, type CNAME, valeur ${target}. Puis réessayez (il peut falloir quelques minutes pour qu'elle soit visible).`,
    ),
  }),
  cnameWrong: (name: string, at: string, found: string, target: string): Explanation => ({
    title: L('DNS proof record', 'Enregistrement DNS de preuve'),
    message: L(
      `The record ${at} points to ${found}, but the proof for ${name} is written at ${target}: the certificate authority would not find it.`,
      `L'enregistrement ${at} pointe vers ${found}, mais la preuve de ${name} est écrite sur ${target} : l'autorité de certification ne la trouverait pas.`,
    ),
    fix: L(
      `${AT_DOMAIN.en}, change the value of the line named ${at} in your domain's settings to ${target} (it is a CNAME record). Then try again.`,
      `${AT_DOMAIN.fr}, changez la valeur de la ligne nommée ${at} dans les réglages de votre domaine en ${target} (c'est un enregistrement CNAME). Puis réessayez.`,
    ),
  }),
  cnameElsewhere: (name: string, at: string, found: string, target: string | undefined): Explanation => ({
    title: L('DNS proof record', 'Enregistrement DNS de preuve'),
    message: L(
      `The record ${at} sends the proof for ${name} to ${found}, a name serein does not manage, so it cannot write the proof there.`,
      `L'enregistrement ${at} envoie la preuve de ${name} vers ${found}, un nom que serein ne gère pas : il ne peut pas y écrire la preuve.`,
    ),
    fix: target
      ? L(
          `${AT_DOMAIN.en}, change the value of the line named ${at} in your domain's settings to ${target} (it is a CNAME record). Then try again.`,
          `${AT_DOMAIN.fr}, changez la valeur de la ligne nommée ${at} dans les réglages de votre domaine en ${target} (c'est un enregistrement CNAME). Puis réessayez.`,
        )
      : L(
          `${AT_DOMAIN.en}, delete the line named ${at} in your domain's settings (it is a CNAME record), or choose the http-01 method.`,
          `${AT_DOMAIN.fr}, supprimez la ligne nommée ${at} dans les réglages de votre domaine (c'est un enregistrement CNAME), ou choisissez la méthode http-01.`,
        ),
  }),
  nameserversOk: (name: string, servers: string[]): Explanation => ({
    title: L('Nameservers', 'Serveurs de noms'),
    message: L(
      `Every nameserver of ${name} answers (${servers.join(', ')}).`,
      `Tous les serveurs de noms de ${name} répondent (${servers.join(', ')}).`,
    ),
  }),
  nameserversDown: (name: string, down: string[]): Explanation => ({
    title: L('Nameservers', 'Serveurs de noms'),
    message: L(
      `Some nameservers of ${name} do not answer (${down.join(', ')}). The certificate authority may ask one of them and not see the proof record.`,
      `Certains serveurs de noms de ${name} ne répondent pas (${down.join(', ')}). L'autorité de certification peut interroger l'un d'eux et ne pas voir l'enregistrement de preuve.`,
    ),
    fix: L(
      'Ask the company that manages your domain (often where you bought it) to repair or remove the servers above that do not answer, then try again. To pass on: fix or remove those nameservers, at the registrar and in the zone.',
      `Demandez à la société qui gère votre domaine (souvent là où vous l'avez acheté) de réparer ou retirer les serveurs ci-dessus qui ne répondent pas, puis réessayez. À leur transmettre${NB}: réparer ou retirer ces serveurs de noms, chez le registraire et dans la zone.`,
    ),
  }),
};
