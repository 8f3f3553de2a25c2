import type { Services } from '../engine/action.js';
import { invalidProfile, profileNotAllowed } from './profile-errors.js';

/*
 * CA profiles (draft-aaron-acme-profiles): a CA lists the kinds of certificate it issues in
 * its directory (meta.profiles: name → description) and a new order names one (`profile`).
 * Let's Encrypt offers classic (90 days), tlsserver (45 days) and shortlived (6 days).
 * A site's profile is chosen when it is secured (certificate.issue's `profile`: admins any
 * profile the CA offers, clients only those the admin lists in acme.clientProfiles), kept
 * on the certificate record, and ordered again at every renewal. Without one, the CA's
 * configured profile (acme.cas[].profile) applies, and without that the CA's default.
 */

/** What a CA says of one profile: it offers it, it offers others only, it offers none, or it could not be asked. */
type Offer = 'offered' | 'other-profiles' | 'no-profiles' | 'unreachable';

/** The profile to order and the CAs that can issue it, as the preflight settles them before any order. */
export interface ProfileChoice {
  /** Undefined: no profile named for the site (each CA's own acme.cas[].profile, or its default). */
  profile?: string;
  cas: string[];
  /** For the job log (admins): what was decided and why, when it is not the plain case. */
  notes: string[];
}

/** The profiles a CA advertises (name → description); undefined when it advertises none. */
export async function advertisedProfiles(
  services: Pick<Services, 'certificates'>,
  ca: string,
): Promise<Record<string, string> | undefined> {
  const profiles = (await services.certificates.accounts.client(ca).directory()).meta?.profiles;
  return profiles && Object.keys(profiles).length ? profiles : undefined;
}

/**
 * Settles the profile of an order before anything is asked of a CA. `asked` is the one the
 * request names; `kept` the one the site's certificate was ordered with (a renewal, or a
 * new certificate for a site that has one). A client may name only a profile of
 * acme.clientProfiles. The CAs kept are those that offer the profile (or could not be
 * asked: their order fails on its own and the next CA is tried); a CA that advertises no
 * profiles cannot honour a site's choice, so it is left out. A profile named now and
 * offered by none of the CAs is refused, listing what they offer; a kept one no longer
 * offered anywhere is dropped with a note (the site stays secured with the CA's default
 * rather than left to expire).
 */
export async function chooseProfile(
  services: Pick<Services, 'config' | 'certificates'>,
  req: { asked?: string; kept?: string | null; client: boolean; cas: string[] },
): Promise<ProfileChoice> {
  const allowed = services.config.acme.clientProfiles;
  if (req.asked && req.client && !allowed.includes(req.asked)) {
    throw profileNotAllowed(req.asked, allowed, `acme.clientProfiles is [${allowed.join(', ')}]`);
  }
  const profile = req.asked ?? req.kept ?? undefined;
  if (!profile) return { cas: req.cas, notes: [] };
  const offers = new Map<string, { offer: Offer; profiles?: Record<string, string> }>();
  await Promise.all(
    req.cas.map(async (ca) => {
      try {
        const profiles = await advertisedProfiles(services, ca);
        offers.set(ca, {
          offer: !profiles ? 'no-profiles' : Object.hasOwn(profiles, profile) ? 'offered' : 'other-profiles',
          profiles,
        });
      } catch {
        offers.set(ca, { offer: 'unreachable' });
      }
    }),
  );
  const cas = req.cas.filter((ca) => ['offered', 'unreachable'].includes(offers.get(ca)!.offer));
  const said = req.cas.map((ca) => `${ca}: ${describeOffer(offers.get(ca)!)}`).join('; ');
  if (cas.length) {
    const left = req.cas.filter((ca) => !cas.includes(ca));
    return { profile, cas, notes: left.length ? [`profile ${profile}: ${left.join(', ')} left out (${said})`] : [] };
  }
  if (req.asked) {
    const offered = [...new Set(req.cas.flatMap((ca) => Object.keys(offers.get(ca)!.profiles ?? {})))];
    const choices = req.client ? offered.filter((p) => allowed.includes(p)) : offered;
    throw invalidProfile(req.asked, said, choices);
  }
  return {
    cas: req.cas,
    notes: [`profile ${profile} is no longer offered (${said}): ordering the certificate authority's default kind`],
  };
}

function describeOffer(o: { offer: Offer; profiles?: Record<string, string> }): string {
  if (o.offer === 'no-profiles') return 'advertises no profiles';
  if (o.offer === 'unreachable') return 'directory not read';
  return `offers ${Object.entries(o.profiles ?? {})
    .map(([name, d]) => `${name} (${d})`)
    .join(', ')}`;
}

/**
 * The CAs the preflight allows (their CAA and failure budget) that can issue the chosen
 * profile. None of them: a profile named now is refused (choose another, or none); a kept
 * one is dropped with a note, the site renewed with the CA's default rather than not at all.
 */
export function profileCas(choice: ProfileChoice, allowed: string[], asked?: string): ProfileChoice {
  if (!choice.profile) return { ...choice, cas: allowed };
  const cas = allowed.filter((ca) => choice.cas.includes(ca));
  if (cas.length || !allowed.length) return { ...choice, cas };
  const detail = `profile ${choice.profile} at ${choice.cas.join(', ') || 'no CA'}; the domain's CAA and the failure budget allow ${allowed.join(', ')}`;
  if (asked) {
    throw invalidProfile(asked, detail);
  }
  return { cas: allowed, notes: [...choice.notes, `${detail}: ordering the certificate authority's default kind`] };
}
