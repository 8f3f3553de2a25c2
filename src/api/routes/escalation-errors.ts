import { notFound, OperationError, toOperationError } from '../../errors.js';
import type { Escalation, Suggestion } from '../../store/escalations.js';
import { suggestionLine } from '../../watch/escalations.js';

// The errors admins meet acting on an escalation (take, resolve, do it for them, answer, send the fix).

/** The answer for an escalation admins cannot act on: unknown, over, or not handed to them yet. */
export const gone = (id: string) =>
  notFound(
    { en: `Escalation ${id}`, fr: `L'escalade ${id}` },
    {
      message: {
        en: `Escalation ${id} was not found, or is resolved.`,
        fr: `L'escalade ${id} est introuvable, ou résolue.`,
      },
      hint: { en: 'List them with GET /v1/escalations.', fr: 'Listez-les avec GET /v1/escalations.' },
    },
  );

/** The suggestion changed since the admin reviewed it: nothing run, the new one named. */
export const changed = (e: Escalation & { suggestion: Suggestion }) =>
  new OperationError(
    'suggestion_changed',
    {
      en: 'This changed since you looked at it: nothing was run.',
      fr: "Ceci a changé depuis que vous l'avez regardé : rien n'a été lancé.",
    },
    {
      en: `It now suggests ${suggestionLine(e.suggestion)}. Look at it again, then click once more.`,
      fr: `Il est maintenant proposé ${suggestionLine(e.suggestion)}. Regardez-le à nouveau, puis cliquez encore une fois.`,
    },
    undefined,
    409,
  );

/** The suggestion needs more than the tenant may do: the admin runs it as themself, deliberately. */
export const notOneClick = (s: Suggestion) =>
  new OperationError(
    'not_one_click',
    {
      en: 'This needs more than the client may do, so it is not one click: nothing was run.',
      fr: "Ceci demande plus que ce que le client peut faire, ce n'est donc pas un clic : rien n'a été lancé.",
    },
    {
      en: `If it is right, run it yourself, as yourself, with the inputs shown: ${s.playbook} ${JSON.stringify(s.inputs)}.`,
      fr: `Si c'est justifié, lancez-le vous-même, en votre nom, avec les valeurs affichées : ${s.playbook} ${JSON.stringify(s.inputs)}.`,
    },
    undefined,
    409,
  );

/** A refusal met with the tenant's rights, told to the admin as such (the client's own words would say "your account"). */
export const refusedForTenant = (err: unknown, tenantId: string) => {
  const e = toOperationError(err);
  if (e.status >= 500) return e;
  return new OperationError(
    e.code,
    {
      en: `Run with ${tenantId}'s rights, this is refused: ${e.userMessage.en}`,
      fr: `Lancé avec les droits de ${tenantId}, ceci est refusé : ${e.userMessage.fr}`,
    },
    {
      en: `${e.hint.en} serein does things for a client only as the client could; if more is needed, run it yourself, as yourself.`,
      fr: `${e.hint.fr} serein ne fait pour un client que ce que le client pourrait faire ; s'il faut davantage, lancez-le vous-même, en votre nom.`,
    },
    e.detail,
    e.status,
  );
};

/** The escalation ended (its cause gone) before the click: nothing to run. */
export const causeGone = (e: Escalation) =>
  new OperationError(
    'cause_gone',
    {
      en: 'This is sorted already: the cause is gone, so nothing was run.',
      fr: "C'est déjà réglé : la cause a disparu, rien n'a donc été lancé.",
    },
    {
      en: `${e.resolution?.reason ?? 'It ended'}; the client was told.`,
      fr: `${e.resolution?.reason ?? "C'est terminé"} ; le client a été prévenu.`,
    },
    undefined,
    409,
  );

/** A second click while the first run goes on: it would run twice. */
export const alreadyRunning = (jobId: string) =>
  new OperationError(
    'already_running',
    { en: 'It is already being done for them.', fr: 'C’est déjà en cours pour eux.' },
    { en: `Follow job ${jobId}.`, fr: `Suivez la tâche ${jobId}.` },
    undefined,
    409,
  );

/** An escalation with nothing to run for the client: a person has to step in. */
export const noSuggestion = () =>
  new OperationError(
    'no_suggestion',
    {
      en: 'This escalation has no operation to run: it needs a person.',
      fr: "Cette escalade n'a pas d'opération à lancer : il faut une personne.",
    },
    { en: 'Take it and contact the client.', fr: 'Prenez-la et contactez le client.' },
    undefined,
    409,
  );

/** "Send the fix" on an escalation with no DNS change to send. */
export const noFixToSend = () =>
  new OperationError(
    'no_fix_to_send',
    {
      en: 'There is no DNS change to send for this escalation.',
      fr: "Il n'y a pas de modification DNS à envoyer pour cette escalade.",
    },
    {
      en: 'Look at its suggestion, or answer the client in words.',
      fr: 'Regardez sa suggestion, ou répondez au client avec vos mots.',
    },
    undefined,
    409,
  );
