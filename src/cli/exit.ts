/**
 * The exit codes of every `serein` command, documented in `serein --help` and the README,
 * so a script or a systemd unit can tell "fix your command" from "the operation failed"
 * from "nobody answered". `serve` keeps 2 for a configuration that is not valid: the
 * service unit does not restart on it (RestartPreventExitStatus=2).
 */
export const EXIT = {
  ok: 0,
  /** A usage error (unknown command or option, a missing argument), or an unexpected error. */
  usage: 1,
  /** Refused or invalid: the configuration, the daemon's refusal (bad input, not allowed, not found, over a limit), a check that found a problem. */
  refused: 2,
  /** The operation failed, and everything it had done was undone. */
  failed: 3,
  /** The operation failed and could not be fully undone: an admin must finish it. */
  attention: 4,
  /** The daemon could not be reached. */
  unreachable: 5,
} as const;

/** The table `serein --help` ends with. */
export const EXIT_HELP = `
Exit codes:
  0  done (a check found nothing to fix)
  1  usage error (unknown command or option, missing argument) or unexpected error
  2  refused or invalid: the configuration, the daemon's answer (bad input, not
     allowed, not found, over a limit), or a check that found a problem (check, doctor)
  3  the operation failed; everything it had done was undone
  4  the operation needs attention: it could not be fully undone (admins are alerted)
  5  the daemon cannot be reached (SEREIN_URL, --url)
`;

/** An error the CLI prints as it is (one or two lines) and exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A mistake in how a command was typed: said in one line, with where to read how. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}
