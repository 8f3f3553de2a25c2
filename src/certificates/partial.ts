import type { Check, Diagnosis } from '../dns/check.js';
import { OperationError, type Offer } from '../errors.js';

const list = (names: string[], and: string) =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} ${and} ${names[names.length - 1]}`;

/**
 * The names of a failed preflight that could be secured now: every requested name with no
 * failure of its own. None when a failure is not any one name's (a parent domain's list of
 * authorities, a resolver that did not answer), when nothing works, or when the site's
 * main name fails (its certificate is installed under that name).
 */
export function workingNames(d: Diagnosis, site: string): { working: string[]; failing: string[] } | undefined {
  const failures: Check[] = d.checks.filter((c) => c.status === 'failure');
  if (!failures.length || failures.some((c) => !d.domains.includes(c.domain))) return undefined;
  const failing = d.domains.filter((n) => failures.some((c) => c.domain === n));
  const working = d.domains.filter((n) => !failing.includes(n));
  if (!working.length || !working.includes(site)) return undefined;
  return { working: [site, ...working.filter((n) => n !== site)], failing };
}

/**
 * Partial coverage, as cPanel's AutoSSL offers it but never behind the client's back: when
 * some names of a request fail the preflight, its error carries a ready request for the
 * names that work (`offer`, one click on the page), and says so; each failing name is
 * explained by the error's message. A renewal is never narrowed by itself: it fails, the
 * current certificate keeps covering every name, and the same offer is how the client
 * agrees to drop the failing ones.
 */
export function withPartialOffer(
  err: OperationError,
  d: Diagnosis,
  o: { site: string; renewing?: { keyType: string; notAfter: string } },
): OperationError {
  const names = workingNames(d, o.site);
  if (!names) return err;
  const { working, failing } = names;
  const n = working.length;
  const en = o.renewing
    ? ` Your current certificate keeps covering every name, ${list(failing, 'and')} included, until it expires; we do not renew it without ${failing.length > 1 ? 'them' : 'it'} unless you ask. To renew it now for ${n > 1 ? `the ${n} names that work` : 'the name that works'} (${list(working, 'and')}), secure ${n > 1 ? 'them' : 'it'} again and add ${list(failing, 'and')} once fixed.`
    : ` Or secure now ${n > 1 ? `the ${n} names that work` : 'the name that works'} (${list(working, 'and')}), and add ${list(failing, 'and')} once fixed.`;
  const fr = o.renewing
    ? ` Votre certificat actuel continue de couvrir tous les noms, y compris ${list(failing, 'et')}, jusqu'à son expiration ; nous ne le renouvelons pas sans ${failing.length > 1 ? 'eux' : 'lui'} sauf si vous le demandez. Pour le renouveler dès maintenant pour ${n > 1 ? `les ${n} noms qui fonctionnent` : 'le nom qui fonctionne'} (${list(working, 'et')}), sécurisez-${n > 1 ? 'les' : 'le'} à nouveau et ajoutez ${list(failing, 'et')} une fois corrigé${failing.length > 1 ? 's' : ''}.`
    : ` Ou sécurisez dès maintenant ${n > 1 ? `les ${n} noms qui fonctionnent` : 'le nom qui fonctionne'} (${list(working, 'et')}), et ajoutez ${list(failing, 'et')} une fois corrigé${failing.length > 1 ? 's' : ''}.`;
  const offer: Offer = {
    playbook: 'certificate.issue',
    inputs: { domains: working, challenge: d.challenge, ...(o.renewing ? { keyType: o.renewing.keyType } : {}) },
    names: working,
    without: failing,
  };
  const hint = { en: `${err.hint.en}${en}`, fr: `${err.hint.fr}${fr}` };
  // Everything else the error carries stays as it is.
  const partial = err.with({ hint });
  partial.offer = offer;
  return partial;
}
