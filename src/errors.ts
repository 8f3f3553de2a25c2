/** Text in each language serein speaks. Clients read their own; admins read English. */
export interface Localized {
  en: string;
  fr: string;
}
export type Language = keyof Localized;

/**
 * A failure explained: what went wrong for a non-specialist, how to fix it, and the
 * technical detail that only admins see. Thrown by validation, actions and targets.
 */
export class OperationError extends Error {
  constructor(
    readonly code: string,
    readonly userMessage: Localized,
    readonly hint: Localized,
    readonly detail?: string,
    readonly status = 422,
  ) {
    super(detail ? `${userMessage.en} (${detail})` : userMessage.en);
    this.name = 'OperationError';
  }

  /** Each invalid field or input by name with what it must be, beside the message listing them all: a form marks each field. */
  fields?: FieldProblem[];

  /** A ready request the caller may send instead, in one click (the names that work now, src/certificates/partial.ts). */
  offer?: Offer;

  /**
   * What a technician needs (codes, addresses fetched), in words the client may read and
   * forward: shown folded under "Technical details", unlike `detail`, which is admins' only.
   */
  technical?: Localized;

  /**
   * The same failure with some of its parts changed (a secret masked out of the detail, a
   * message for an undo that failed): a copy keeps its code, so it stays the catalog's.
   */
  with(changes: { message?: Localized; hint?: Localized; detail?: string }): OperationError {
    const copy = new OperationError(
      this.code,
      changes.message ?? this.userMessage,
      changes.hint ?? this.hint,
      'detail' in changes ? changes.detail : this.detail,
      this.status,
    );
    copy.fields = this.fields;
    copy.offer = this.offer;
    copy.technical = this.technical;
    return copy;
  }

  /** The shape stored with a job and sent by the API: `{code, message, hint, technical?, detail?}`. */
  toJSON(language: Language = 'en', admin = true): ErrorBody {
    return {
      code: this.code,
      message: this.userMessage[language],
      hint: this.hint[language],
      ...(this.fields?.length
        ? { fields: this.fields.map((f) => ({ name: f.name, message: f.message[language] })) }
        : {}),
      ...(this.offer ? { offer: this.offer } : {}),
      ...(this.technical ? { technical: this.technical[language] } : {}),
      ...(admin && this.detail ? { detail: this.detail } : {}),
    };
  }
}

/** An error as the API and the job record give it, in the caller's language. */
export interface ErrorBody {
  code: string;
  message: string;
  hint: string;
  technical?: string;
  detail?: string;
  /** The request offered in place of the failed one, travelling with the error to the job record and the API. */
  offer?: Offer;
  /** Each invalid field of a request, named (src/util/issues.ts, src/engine/inputs.ts). */
  fields?: { name: string; message: string }[];
}

/** A request offered in place of a failed one: the operation and its inputs, ready to send as they are. */
export interface Offer {
  playbook: string;
  inputs: Record<string, unknown>;
  /** The names the offered request covers, and those it leaves out (each explained by the error's message). */
  names: string[];
  without: string[];
}

/** One invalid field of a request (`inputs.domain`, `email`) and what it must be, without its name. */
export interface FieldProblem {
  name: string;
  message: Localized;
}

/**
 * Codes of failures the client caused in its own space (a symbolic link, or a folder moved,
 * in its site folder): the job fails, is undone and says what to do first, but it is no
 * admin's problem and no sign that the client is stuck, so it raises no alert and counts
 * towards no escalation.
 */
export const CLIENT_CAUSED = new Set(['site_folder_link']);

/** Same text in both languages, for technical strings that need no translation. */
export const both = (text: string): Localized => ({ en: text, fr: text });

/** Turns anything thrown into an OperationError; unknown errors keep their text as admin detail only. */
export function toOperationError(err: unknown): OperationError {
  if (err instanceof OperationError) return err;
  const anyErr = err as { message?: string; hint?: string; code?: string } | undefined;
  const disk = diskFault(err);
  if (disk) return disk;
  if (err instanceof Error && typeof anyErr?.hint === 'string') {
    // A target's error (unreachable server, refused host key...) is for the admin: the
    // client reads what it means for them, the admin reads the detail and its fix.
    return new OperationError(
      anyErr.code ?? 'failed',
      { en: 'We could not reach or change the server.', fr: "Nous n'avons pas pu joindre ou modifier le serveur." },
      {
        en: 'Nothing was left half-done. Your provider has been given the details; try again later.',
        fr: "Rien n'a été laissé à moitié fait. Votre hébergeur a reçu les détails ; réessayez plus tard.",
      },
      `${err.message} (fix: ${anyErr.hint})`,
    );
  }
  return new OperationError(
    'internal',
    { en: 'The operation failed on our side.', fr: "L'opération a échoué de notre côté." },
    {
      en: 'Nothing was left half-done. Try again in a few minutes; if it fails again, your provider has the details.',
      fr: "Rien n'a été laissé à moitié fait. Réessayez dans quelques minutes ; si cela échoue encore, votre hébergeur a les détails.",
    },
    err instanceof Error ? err.message : String(err),
    500,
  );
}

/**
 * A disk full or read-only where the change was written (a target's program or a local
 * write said so): told as such, not as a server out of reach. Null for anything else.
 */
function diskFault(err: unknown): OperationError | null {
  const e = err as { message?: string; hint?: string; code?: string } | undefined;
  const text = `${e?.code ?? ''} ${e?.message ?? ''}`;
  const detail = `${e?.message ?? String(err)}${e?.hint ? ` (fix: ${e.hint})` : ''}`;
  const hint = {
    en: 'Nothing was left half-done. Your provider has been given the details; try again once they have fixed the disk.',
    fr: "Rien n'a été laissé à moitié fait. Votre hébergeur a reçu les détails ; réessayez quand il aura réparé le disque.",
  };
  if (/ENOSPC|No space left on device|Disk quota exceeded|EDQUOT/.test(text)) {
    return new OperationError(
      'disk_full',
      {
        en: "The server's disk is full, so the change could not be written.",
        fr: "Le disque du serveur est plein : la modification n'a pas pu être écrite.",
      },
      hint,
      detail,
    );
  }
  if (/EROFS|Read-only file system/.test(text)) {
    return new OperationError(
      'disk_read_only',
      {
        en: "The server's disk is read-only at the moment, so the change could not be written.",
        fr: "Le disque du serveur est en lecture seule pour l'instant : la modification n'a pas pu être écrite.",
      },
      hint,
      detail,
    );
  }
  return null;
}

// The codes several modules share (a name not found, an invalid input, a name taken...):
// each is defined here once, with the words that fit every use; a module's own failures
// live in its own catalog (`errors.ts` or `<concern>-errors.ts` beside it, see docs/errors.md).

const CHECK_NAME: Localized = {
  en: 'Check the name or id; you can only see what your account owns.',
  fr: "Vérifiez le nom ou l'identifiant ; vous ne voyez que ce qui appartient à votre compte.",
};

/**
 * 404 for something asked for by name or id that is not there or not the caller's (the two
 * read the same, so a tenant learns nothing of another's). `message` replaces "X was not found."
 * where the thing has a plainer sentence ("There is no site X in your account.").
 */
export function notFound(what: Localized, words: { message?: Localized; hint?: Localized } = {}): OperationError {
  return new OperationError(
    'not_found',
    words.message ?? { en: `${what.en} was not found.`, fr: `${what.fr} est introuvable.` },
    words.hint ?? CHECK_NAME,
    undefined,
    404,
  );
}

/**
 * 400 for inputs that cannot be used as they are: the message says which and why, the hint
 * what to send instead; `fields` lets a form mark each one.
 */
export function invalidInput(
  message: Localized,
  hint: Localized,
  fields?: FieldProblem[],
  detail?: string,
): OperationError {
  const err = new OperationError('invalid_input', message, hint, detail, 400);
  if (fields) err.fields = fields;
  return err;
}

/**
 * 400 for a request that is not one the API can read (its shape, its encoding, a cursor it
 * never gave); `status` is another 4xx where the web framework refused it with one.
 */
export function badRequest(message: Localized, hint: Localized, detail?: string, status = 400): OperationError {
  return new OperationError('bad_request', message, hint, detail, status);
}

/** 409 for a name already taken: the message names it, the hint says what to do instead. */
export function conflict(message: Localized, hint: Localized, detail?: string): OperationError {
  return new OperationError('conflict', message, hint, detail, 409);
}

/** 409 when an account already has the most of something its plan allows: nothing was changed. */
export function quotaExceeded(message: Localized, hint: Localized, detail?: string): OperationError {
  return new OperationError('quota_exceeded', message, hint, detail, 409);
}

/**
 * 400 for a change that takes something away and waits for the caller to confirm it (a
 * name typed, `confirm: true`): nothing was changed yet.
 */
export function confirmationRequired(
  message: Localized,
  hint: Localized,
  detail?: string,
  fields?: FieldProblem[],
): OperationError {
  const err = new OperationError('confirmation_required', message, hint, detail, 400);
  if (fields) err.fields = fields;
  return err;
}

/**
 * 403 for a name that was the tenant's when its thing was made and is no longer (a renewal,
 * a restore): the message says what cannot be done with it, the hint what can.
 */
export function notYourDomain(message: Localized, hint: Localized, detail?: string): OperationError {
  return new OperationError('not_your_domain', message, hint, detail, 403);
}
