import type { Diagnosis } from '../dns/check.js';
import type { Language, Operations } from './intents.js';
import type { Proposal } from './slots.js';
import { proposalSentence } from './words.js';

/** French typography: a non-breaking space before : ; ? ! (client-voice.md). */
const nb = '\u00a0';

/** A check's sentence after a colon: its first word in lower case ("J'ai vérifié x : votre domaine…"), a name or an acronym kept. */
const afterColon = (s: string) => (/^\p{Lu}\p{Ll}/u.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

/** What the checks found, for the client: the sentence, each problem with its fix, the one-click fix if there is one, and whether a person takes over. */
export interface DiagnosisAnswer {
  sentence: string;
  findings: { status: 'failure' | 'warning'; message: string; fix?: string }[];
  fix?: Proposal;
  person: boolean;
}

/**
 * Says in words what the doctor (the certificate preflight: DNS, addresses, CAA, the
 * site's HTTP check as the certificate authority makes it) and the site's certificate
 * show: a DNS problem serein can repair is offered as dns.fix (a dry run first), a site
 * without a valid certificate as certificate.issue or .renew, anything else goes to a
 * person with the findings.
 */
export function diagnosisAnswer(
  d: Diagnosis,
  site: string,
  cert: { id: string; notAfter: string } | undefined,
  lang: Language,
  operations: Operations,
  now = new Date(),
): DiagnosisAnswer {
  const fr = lang === 'fr';
  const problems = d.checks
    .filter((c) => c.status !== 'ok')
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'failure' ? -1 : 1));
  const findings = problems.map((c) => ({
    status: c.status as 'failure' | 'warning',
    message: c.message[lang],
    ...(c.fix ? { fix: c.fix[lang] } : {}),
  }));
  const failures = problems.filter((c) => c.status === 'failure');
  const propose = (
    playbook: Proposal['playbook'],
    inputs: Record<string, unknown>,
    extra: Partial<Proposal> = {},
  ): Proposal => ({ playbook, inputs, sentence: proposalSentence(operations, playbook, inputs, lang), ...extra });
  if (failures.some((c) => c.repair)) {
    const first = failures.find((c) => c.repair)!;
    return {
      sentence: fr
        ? `J'ai vérifié ${site}${nb}: ${afterColon(first.message.fr)} Nous pouvons le corriger pour vous${nb}: vous verrez d'abord les modifications.`
        : `I checked ${site}: ${afterColon(first.message.en)} We can fix it for you: you will see the changes first.`,
      findings,
      fix: propose('dns.fix', { domain: site }, { dryRunFirst: true }),
      person: false,
    };
  }
  if (failures.length) {
    const first = failures[0];
    return {
      sentence: fr
        ? `J'ai vérifié ${site}${nb}: ${afterColon(first.message.fr)}${first.fix ? ` ${first.fix.fr}` : ''} Une personne de notre équipe a reçu ce diagnostic et vous aide si besoin.`
        : `I checked ${site}: ${afterColon(first.message.en)}${first.fix ? ` ${first.fix.en}` : ''} A person from our team has this diagnosis and will help if needed.`,
      findings,
      person: true,
    };
  }
  const days = cert ? (Date.parse(cert.notAfter) - now.getTime()) / 86_400_000 : -1;
  if (!cert) {
    return {
      sentence: fr
        ? `${site} répond bien, mais n'a pas encore de connexion sécurisée (le cadenas)${nb}: je peux la mettre en place maintenant.`
        : `${site} answers, but has no secure connection (the padlock) yet: I can set it up now.`,
      findings,
      fix: propose('certificate.issue', { domains: [site] }),
      person: false,
    };
  }
  if (days < 14) {
    return {
      sentence: fr
        ? `${site} répond bien, mais sa connexion sécurisée ${days < 0 ? 'a expiré' : 'arrive bientôt à échéance'}${nb}: je peux la renouveler maintenant.`
        : `${site} answers, but its secure connection ${days < 0 ? 'has expired' : 'expires soon'}: I can renew it now.`,
      findings,
      fix: propose('certificate.renew', { site, certificate: cert.id }),
      person: false,
    };
  }
  return {
    sentence: fr
      ? `J'ai vérifié ${site}${nb}: son adresse, l'accès à votre site et sa connexion sécurisée sont en ordre. Une personne de notre équipe a reçu votre message et regarde ce que vous voyez.`
      : `I checked ${site}: its address, the way visitors reach it and its secure connection are all fine. A person from our team has your message and is looking at what you see.`,
    findings,
    person: true,
  };
}
