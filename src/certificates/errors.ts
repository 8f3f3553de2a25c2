import { OperationError, type Localized } from '../errors.js';
import { AcmeProblem, AcmeTimeout, AcmeUnreachable, type ProblemDocument } from '../acme/client.js';

/** The CA looked at the proof for a name and refused it: the client's DNS or web server is at fault. */
export class ValidationFailed extends Error {
  constructor(
    readonly ca: string,
    readonly failures: { domain: string; problem: ProblemDocument }[],
  ) {
    super(
      `${ca} could not validate ${failures.map((f) => `${f.domain} (${f.problem.type?.split(':').pop() ?? '?'}: ${f.problem.detail ?? ''})`).join('; ')}`,
    );
    this.name = 'ValidationFailed';
  }
}

/** Problem kinds caused by the names asked (or their DNS): another CA would say the same. */
const CLIENT_KINDS = new Set(['rejectedIdentifier', 'caa']);

/**
 * Whether a failure is the client's (their names, their DNS, their web server): then
 * trying the next CA would only burn its budget too. Everything else (the CA down,
 * rate limits, account or EAB trouble, timeouts) lets the next CA be tried.
 */
export function isClientFault(err: unknown): boolean {
  if (err instanceof ValidationFailed) return true;
  if (err instanceof AcmeProblem) {
    if (err.kind === 'malformed') return /identifier|domain name|dns name/i.test(err.problem.detail ?? '');
    return CLIENT_KINDS.has(err.kind);
  }
  return false;
}

const detailOf = (p: ProblemDocument) => `${p.type?.split(':').pop() ?? 'error'}: ${p.detail ?? ''}`.trim();

/** What one CA answered, for the admin detail of the final error. */
export function describeAttempt(ca: string, err: unknown): string {
  if (err instanceof ValidationFailed)
    return `${ca}: ${err.failures.map((f) => `${f.domain}: ${detailOf(f.problem)}`).join('; ')}`;
  if (err instanceof AcmeProblem)
    return `${ca}: ${detailOf(err.problem)}${err.retryAfterMs ? ` (retry after ${Math.round(err.retryAfterMs / 1000)} s)` : ''}`;
  if (err instanceof AcmeUnreachable || err instanceof AcmeTimeout) return `${ca}: ${err.message}`;
  return `${ca}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Turns what the CA(s) said into the error a client reads: what failed in plain words,
 * what to do, and the CA's own words for admins.
 */
export function certificateError(attempts: { ca: string; err: unknown }[]): OperationError {
  const detail = attempts.map((a) => describeAttempt(a.ca, a.err)).join(' | ');
  const last = attempts[attempts.length - 1]?.err;
  if (last instanceof ValidationFailed) {
    const names = last.failures.map((f) => f.domain).join(', ');
    const why = last.failures.map((f) => `${f.domain}: ${f.problem.detail ?? f.problem.type ?? ''}`).join('; ');
    return new OperationError(
      'validation_failed',
      {
        en: `The certificate authority could not verify that you control ${names}. It said: ${why}`,
        fr: `L'autorité de certification n'a pas pu vérifier que vous contrôlez ${names}. Elle a répondu : ${why}`,
      },
      {
        en: 'Run the diagnosis (serein doctor, or "Check my domain") to see what to fix, then try again. Nothing was changed on your site.',
        fr: 'Lancez le diagnostic (serein doctor, ou « Vérifier mon domaine ») pour voir quoi corriger, puis réessayez. Rien n’a été modifié sur votre site.',
      },
      detail,
    );
  }
  if (last instanceof AcmeProblem && last.kind === 'rateLimited') {
    const when = last.retryAfterMs
      ? new Date(Date.now() + last.retryAfterMs).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
      : undefined;
    // Not the API's rate_limited (src/api/limit-errors.ts): here the CA asks to wait, not serein.
    return new OperationError(
      'ca_rate_limited',
      {
        en: 'The certificate authority has had too many requests for these names and asks us to wait.',
        fr: "L'autorité de certification a reçu trop de demandes pour ces noms et nous demande d'attendre.",
      },
      {
        en: when
          ? `Try again after ${when}. Nothing was changed on your site.`
          : 'Try again later. Nothing was changed on your site.',
        fr: when
          ? `Réessayez après ${when}. Rien n’a été modifié sur votre site.`
          : 'Réessayez plus tard. Rien n’a été modifié sur votre site.',
      },
      detail,
      429,
    );
  }
  if (last instanceof AcmeProblem && isClientFault(last)) {
    return new OperationError(
      'certificate_refused',
      {
        en: `The certificate authority refused these names: ${last.problem.detail ?? last.kind}`,
        fr: `L'autorité de certification a refusé ces noms : ${last.problem.detail ?? last.kind}`,
      },
      {
        en: 'Check the names (spelling, that you own them) and run the diagnosis. Nothing was changed on your site.',
        fr: 'Vérifiez les noms (orthographe, que vous en êtes propriétaire) et lancez le diagnostic. Rien n’a été modifié sur votre site.',
      },
      detail,
    );
  }
  return new OperationError(
    'ca_unavailable',
    {
      en: `No certificate authority could issue the certificate right now (${attempts.map((a) => a.ca).join(', ')} tried). This is not caused by your domain.`,
      fr: `Aucune autorité de certification n'a pu émettre le certificat pour l'instant (${attempts.map((a) => a.ca).join(', ')} essayée(s)). Ce n'est pas dû à votre domaine.`,
    },
    {
      en: 'Try again in a few minutes; your provider has been told. Nothing was changed on your site.',
      fr: 'Réessayez dans quelques minutes ; votre hébergeur est prévenu. Rien n’a été modifié sur votre site.',
    },
    detail,
    503,
  );
}

/** Words of a failure written elsewhere (src/dns/messages-dns01.ts): what is wrong, and the fix. */
type Words = { message: Localized; hint: Localized };

/**
 * The dns-01 method (or a DNS repair) needs a DNS host serein is connected to, and none is
 * configured (or none holds this name's zone, in the preflight's words).
 */
export function dnsProviderMissing(words?: Words, detail?: string): OperationError {
  return new OperationError(
    'dns_provider_missing',
    words?.message ?? {
      en: 'The dns-01 method needs a DNS provider, and none is configured.',
      fr: "La méthode dns-01 demande un fournisseur DNS, et aucun n'est configuré.",
    },
    words?.hint ?? {
      en: 'Use http-01, or ask your provider to connect the DNS.',
      fr: 'Utilisez http-01, ou demandez à votre hébergeur de connecter le DNS.',
    },
    detail,
  );
}

/**
 * A record serein must write is in a zone no connected DNS host holds (or a CNAME points it
 * elsewhere): the change is for the client to make, as the diagnosis says; nothing was written.
 */
export function dnsZoneUnavailable(domain: string, detail: string, words?: Words): OperationError {
  return new OperationError(
    'dns_zone_unavailable',
    words?.message ?? {
      en: `serein cannot change the DNS of ${domain}: it is not with a DNS host serein is connected to.`,
      fr: `serein ne peut pas modifier le DNS de ${domain} : il n'est pas chez un hébergeur DNS auquel serein est relié.`,
    },
    words?.hint ?? {
      en: 'Make the change yourself at your DNS host, as the diagnosis explains.',
      fr: 'Faites la modification vous-même chez votre hébergeur DNS, comme l’explique le diagnostic.',
    },
    detail,
    409,
  );
}

/** A dns-01 proof written at the DNS host did not reach one of the domain's nameservers before the deadline. */
export function dnsPropagation(name: string, server: string, detail: string): OperationError {
  return new OperationError(
    'dns_propagation',
    {
      en: `The DNS proof record ${name} did not appear on the nameserver ${server} in time.`,
      fr: `L'enregistrement DNS de preuve ${name} n'est pas apparu à temps sur le serveur de noms ${server}.`,
    },
    {
      en: 'Check that every nameserver of the domain is up to date (same zone everywhere), then try again.',
      fr: 'Vérifiez que tous les serveurs de noms du domaine sont à jour (même zone partout), puis réessayez.',
    },
    detail,
  );
}
