import type { Language, OperationError } from '../errors.js';
import { preflightFailed } from './errors.js';
import type { Check, Diagnosis } from './check.js';

const MARK: Record<Check['status'], string> = { ok: '✓', warning: '!', failure: '✗' };

/**
 * The diagnosis as a colleague would say it: the verdict first, then per name what is
 * wrong and exactly what to change, then what is fine (only with `verbose`).
 */
export function formatDiagnosis(
  d: Diagnosis,
  lang: Language = 'en',
  opts: { verbose?: boolean; admin?: boolean } = {},
): string {
  const failures = d.checks.filter((c) => c.status === 'failure');
  const warnings = d.checks.filter((c) => c.status === 'warning');
  const en = lang === 'en';
  const lines: string[] = [];
  const names = d.domains.join(', ');
  if (failures.length === 0) {
    lines.push(
      en
        ? `Good news: ${names} can get a certificate with ${d.challenge}${warnings.length ? `, though ${warnings.length} thing${warnings.length > 1 ? 's' : ''} deserve${warnings.length > 1 ? '' : 's'} a look` : ''}.`
        : `Bonne nouvelle : ${names} peut obtenir un certificat avec ${d.challenge}${warnings.length ? `, mais ${warnings.length} point${warnings.length > 1 ? 's méritent' : ' mérite'} un coup d'œil` : ''}.`,
    );
  } else {
    lines.push(
      en
        ? `${names} cannot get a certificate yet: ${failures.length} problem${failures.length > 1 ? 's' : ''} to fix first. Nothing was asked of the certificate authority.`
        : `${names} ne peut pas encore obtenir de certificat : ${failures.length} problème${failures.length > 1 ? 's' : ''} à corriger d'abord. Rien n'a été demandé à l'autorité de certification.`,
    );
  }
  const byDomain = new Map<string, Check[]>();
  for (const c of d.checks) {
    if (!opts.verbose && c.status === 'ok') continue;
    byDomain.set(c.domain, [...(byDomain.get(c.domain) ?? []), c]);
  }
  for (const [domain, checks] of byDomain) {
    lines.push('', `${domain}`);
    for (const c of checks) {
      lines.push(`  ${MARK[c.status]} ${c.message[lang]}`);
      if (c.fix && c.status !== 'ok') lines.push(`    → ${c.fix[lang]}`);
      if (c.technical && c.status !== 'ok' && (opts.verbose || opts.admin)) lines.push(`    ${c.technical[lang]}`);
      if (c.repair && c.status !== 'ok')
        lines.push(
          `    ${en ? 'serein can do it for you' : 'serein peut le faire pour vous'} (dns.fix): ${c.repair.summary[lang]}`,
        );
    }
  }
  if (!opts.verbose) {
    const ok = d.checks.filter((c) => c.status === 'ok').length;
    if (ok)
      lines.push(
        '',
        en
          ? `${ok} other check${ok > 1 ? 's' : ''} passed.`
          : `${ok} autre${ok > 1 ? 's' : ''} vérification${ok > 1 ? 's' : ''} réussie${ok > 1 ? 's' : ''}.`,
      );
  }
  lines.push('', askedLine(d, lang, !!opts.admin));
  return lines.join('\n');
}

/** What the DNS answers came from: the resolvers' addresses for admins, "our DNS check" for clients. */
function askedLine(d: Diagnosis, lang: Language, admin: boolean): string {
  const servers = d.resolvers ?? [];
  if (admin && servers.length) {
    return lang === 'en'
      ? `DNS answers came from the resolver${servers.length > 1 ? 's' : ''} ${servers.join(', ')} (dns.resolvers, or the system's when empty).`
      : `Les réponses DNS viennent du résolveur${servers.length > 1 ? 's' : ''} ${servers.join(', ')} (dns.resolvers, ou ceux du système s'il est vide).`;
  }
  return lang === 'en'
    ? 'DNS answers came from our DNS check.'
    : 'Les réponses DNS viennent de notre vérification DNS.';
}

/**
 * The error a job fails with when the preflight found problems, shaped for someone who
 * will act on it: the hint says what to do (every fix, once), the message why (each
 * problem once), the technical text what a technician needs (the checks' codes and
 * addresses, and that nothing was asked of the CA). A web check that failed over an
 * address already reported as not this server is the same problem: said once.
 */
export function preflightError(d: Diagnosis): OperationError {
  const failures = d.checks.filter((c) => c.status === 'failure');
  const wrong = new Set(
    failures
      .filter((c) => c.id === 'target-address' || c.id === 'reserved-address')
      .map((c) => String(c.detail?.address)),
  );
  const said = failures.filter((c) => !(c.id === 'http-token' && wrong.has(String(c.detail?.address))));
  const join = (lang: Language, pick: (c: Check) => string | undefined) =>
    [...new Set(said.map(pick).filter(Boolean))].join(' ');
  const err = preflightFailed(
    { en: join('en', (c) => c.message.en), fr: join('fr', (c) => c.message.fr) },
    { en: join('en', (c) => c.fix?.en), fr: join('fr', (c) => c.fix?.fr) },
    failures
      .map(
        (c) =>
          `${c.domain}: ${c.id}${c.detail ? ` ${JSON.stringify(c.detail)}` : ''}${c.adminDetail ? ` ${JSON.stringify(c.adminDetail)}` : ''}`,
      )
      .join('; '),
  );
  const tech = (lang: Language) => [...new Set(failures.map((c) => c.technical?.[lang]).filter(Boolean))];
  err.technical = {
    en: [...tech('en'), 'Nothing was asked of the certificate authority: these checks run first.'].join(' '),
    fr: [
      ...tech('fr'),
      "Rien n'a été demandé à l'autorité de certification\u00a0: ces vérifications passent d'abord.",
    ].join(' '),
  };
  return err;
}

/** One entry per check, as the JSON output and the API give them; `admin` adds what only admins may see. */
export function diagnosisJson(d: Diagnosis, lang?: Language, opts: { admin?: boolean } = {}) {
  return {
    ok: d.ok,
    challenge: d.challenge,
    domains: d.domains,
    cas: d.cas,
    ...(opts.admin && d.resolvers ? { resolvers: d.resolvers } : {}),
    tookMs: d.tookMs,
    checks: d.checks.map((c) => ({
      id: c.id,
      domain: c.domain,
      status: c.status,
      ...(lang
        ? {
            title: c.title[lang],
            message: c.message[lang],
            ...(c.fix ? { fix: c.fix[lang] } : {}),
            ...(c.technical ? { technical: c.technical[lang] } : {}),
          }
        : {
            title: c.title,
            message: c.message,
            ...(c.fix ? { fix: c.fix } : {}),
            ...(c.technical ? { technical: c.technical } : {}),
          }),
      ...(c.detail ? { detail: c.detail } : {}),
      ...(opts.admin && c.adminDetail ? { adminDetail: c.adminDetail } : {}),
      ...(c.repair ? { repair: { ...c.repair, summary: lang ? c.repair.summary[lang] : c.repair.summary } } : {}),
    })),
  };
}
