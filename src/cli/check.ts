import type { Command } from 'commander';
import { checkMachine, problemLine, type Finding, type MachineDeps } from '../check/index.js';
import type { Logger } from '../log.js';
import { TargetPool } from '../targets/index.js';
import { configOf } from './config.js';
import { EXIT, UsageError } from './exit.js';

/** The findings as an admin reads them: one line each, the fix under each problem, a count at the end. */
export function formatFindings(findings: readonly Finding[]): string {
  const lines = findings.map((f) =>
    f.ok
      ? `${f.skipped ? 'skipped' : 'ok'.padEnd(7)}  ${f.subject}: ${f.what}${f.note ? ` (${f.note})` : ''}`
      : `PROBLEM  ${f.subject}: ${f.what}\n         → ${f.fix}`,
  );
  const problems = findings.filter((f) => !f.ok).length;
  const ok = findings.filter((f) => f.ok && !f.skipped).length;
  const skipped = findings.length - problems - ok;
  lines.push(
    `${problems ? `${problems} problem${problems > 1 ? 's' : ''} to fix, ${ok} ok` : `All ${ok} checks ok`}${skipped ? `, ${skipped} skipped` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * At every start of the daemon: the same checks, each problem logged as a warning with
 * its fix. The daemon starts anyway (a database server down is said, not fatal).
 */
export async function checkAtStart(deps: MachineDeps, log: Logger): Promise<void> {
  // No nginx -t at start: it parses every site (long on a large fleet, beside other daemons'
  // changes), and the next change runs it anyway; `serein check` does.
  const findings = await checkMachine(deps, { all: true, nginxTest: false });
  const problems = findings.filter((f) => !f.ok);
  for (const f of problems)
    log.warn({ check: `${f.subject}: ${f.what}`, fix: f.fix }, `machine check: ${problemLine(f)}`);
  log.info(
    { ok: findings.length - problems.length, problems: problems.length },
    problems.length
      ? `machine check: ${problems.length} problem(s) to fix (serein check lists them)`
      : 'machine check: all ok',
  );
}

/** `serein check [FILE]`: the machine against the configuration, each thing ok or with its fix. */
export function checkCommand(program: Command): void {
  program
    .command('check [file]')
    .description(
      'check the machine against a configuration (default: --config): folders, programs, reload commands, database servers, DNS credentials, CA directories; each ok or with its fix',
    )
    .option('--timeout <seconds>', 'longest wait for one server', '5')
    .option('--json', 'machine-readable output: one entry per check')
    .action(async (file: string | undefined, o: { timeout: string; json?: boolean }, cmd: Command) => {
      const seconds = Number(o.timeout);
      if (!(seconds > 0 && seconds <= 120))
        throw new UsageError(`--timeout must be a number of seconds from 1 to 120, not "${o.timeout}"`);
      const config = configOf(cmd, file ?? cmd.optsWithGlobals().config);
      const targets = new TargetPool(config.targets);
      let findings: Finding[];
      try {
        findings = await checkMachine(
          { config, target: (name) => targets.get(name) },
          { all: true },
          { timeoutMs: seconds * 1000 },
        );
      } finally {
        await targets.closeAll();
      }
      process.stdout.write(o.json ? `${JSON.stringify(findings, null, 2)}\n` : formatFindings(findings));
      // A server that never answered may still hold a socket open: the answer is given, so the command ends here.
      process.exit(findings.some((f) => !f.ok) ? EXIT.refused : EXIT.ok);
    });
}
