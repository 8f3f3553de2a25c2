import { OperationError, type Localized } from '../errors.js';
import { L, NB } from '../dns/messages-words.js';

// The refusals of a CA profile (src/certificates/profiles.ts): the first sentence says
// what to choose instead, or to leave the kind of certificate empty; nothing was ordered.

const NOT_ASKED = L(
  'Nothing was asked of the certificate authority and nothing changed on your site.',
  `Rien n'a été demandé à l'autorité de certification et rien n'a changé sur votre site.`,
);

/** What to choose instead of `asked`, and who does not offer it. */
function chooseAnother(asked: string, choices: string[], by: 'ca' | 'provider'): Localized {
  const list = choices.join(', ');
  const whoEn = by === 'ca' ? 'the certificate authority does not offer it' : 'your provider does not offer it';
  const whoFr = by === 'ca' ? "l'autorité de certification ne le propose pas" : 'votre hébergeur ne le propose pas';
  return choices.length
    ? L(
        `Choose one of these kinds of certificate: ${list}. "${asked}" cannot be used: ${whoEn}.`,
        `Choisissez l'un de ces types de certificat${NB}: ${list}. «${NB}${asked}${NB}» ne peut pas être utilisé${NB}: ${whoFr}.`,
      )
    : L(
        `Leave the kind of certificate empty: ${by === 'ca' ? 'the certificate authority offers only one kind' : 'your provider chooses it for you'}, so "${asked}" cannot be used.`,
        `Laissez le type de certificat vide${NB}: ${by === 'ca' ? "l'autorité de certification n'en propose qu'un" : 'votre hébergeur le choisit pour vous'}, donc «${NB}${asked}${NB}» ne peut pas être utilisé.`,
      );
}

/** A client asked for a profile the provider does not let clients choose (acme.clientProfiles). */
export function profileNotAllowed(asked: string, allowed: string[], detail: string): OperationError {
  return new OperationError('profile_not_allowed', chooseAnother(asked, allowed, 'provider'), NOT_ASKED, detail, 400);
}

/**
 * No CA that may issue for the domain offers the profile asked for: `choices` are those the
 * CAs do offer (and the caller may choose); without them, the domain's CAA and failure budget left none.
 */
export function invalidProfile(asked: string, detail: string, choices?: string[]): OperationError {
  return new OperationError(
    'invalid_profile',
    choices
      ? chooseAnother(asked, choices, 'ca')
      : L(
          `Leave the kind of certificate empty, or choose another one: the certificate authorities your domain allows do not offer "${asked}".`,
          `Laissez le type de certificat vide, ou choisissez-en un autre${NB}: les autorités de certification que votre domaine autorise ne proposent pas «${NB}${asked}${NB}».`,
        ),
    NOT_ASKED,
    detail,
    400,
  );
}
