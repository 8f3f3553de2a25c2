import type { Command } from 'commander';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import { buildServices } from '../composition.js';
import { SealBox } from '../secrets.js';
import { loadConfig } from '../config/load.js';
import type { Diagnosis } from '../dns/check.js';
import { defaultWebserver, diagnose } from '../certificates/diagnose.js';
import { diagnosisJson, formatDiagnosis } from '../dns/report.js';
import type { Language } from '../errors.js';
import { UsageError } from './exit.js';
import { Store } from '../store/store.js';
import { TargetPool } from '../targets/index.js';
import { ApiError, clientFrom, UnreachableError } from './client.js';

/** Runs the preflight in this process, with the config file's resolvers, CAs and web servers (no daemon needed). */
async function localDiagnosis(
  configFile: string,
  req: { domains: string[]; challenge: 'http-01' | 'dns-01'; webserver?: string },
): Promise<Diagnosis> {
  const config = loadConfig(configFile);
  const store = await Store.open(config.store);
  const targets = new TargetPool(config.targets);
  // Nothing is sealed by the doctor: a throwaway seal key keeps the daemon's own untouched.
  const built = buildServices({
    config,
    store,
    logger: pino({ level: 'silent' }),
    target: (name) => targets.get(name),
    seal: new SealBox(randomBytes(32)),
    alert: async () => undefined,
  });
  const services = built.services;
  try {
    return await diagnose(services, { ...req, webserver: req.webserver ?? defaultWebserver(services) });
  } finally {
    await built.close();
    await targets.closeAll();
    await store.close();
  }
}

/**
 * `serein doctor DOMAIN... [--challenge http-01|dns-01] [--json]`: the certificate
 * preflight alone. Through the daemon (POST /v1/doctor) by default, or in this process
 * with --local. Prints a diagnosis a colleague would write; --json gives one entry per
 * check. Exit code 2 when a problem blocks issuance.
 */
export function doctorCommand(program: Command): void {
  program
    .command('doctor <domains...>')
    .description(
      'check domains before asking for a certificate: DNS, IPv6, CAA, reachability; explains each problem and its fix',
    )
    .option('--challenge <method>', 'http-01 or dns-01', 'http-01')
    .option('--webserver <name>', "the web server the names must point to (default: the site's, or the only one)")
    .option('--lang <language>', 'en or fr')
    .option('--local', 'run the checks in this process with the config file, without a daemon')
    .option('--verbose', 'also list the checks that passed')
    .option('--json', 'machine-readable output: one entry per check')
    .action(async (domains: string[], o, cmd: Command) => {
      if (o.challenge !== 'http-01' && o.challenge !== 'dns-01')
        throw new UsageError('--challenge must be http-01 or dns-01');
      const lang: Language | undefined = o.lang === 'fr' || o.lang === 'en' ? o.lang : undefined;
      const globals = cmd.optsWithGlobals() as { config: string; url?: string; token?: string };
      let out: ReturnType<typeof diagnosisJson>;
      let diagnosis: Diagnosis | undefined;
      if (o.local) {
        diagnosis = await localDiagnosis(globals.config, { domains, challenge: o.challenge, webserver: o.webserver });
        out = diagnosisJson(diagnosis, lang ?? 'en', { admin: true }); // --local reads the config file: an admin
      } else {
        const client = clientFrom(globals);
        let res: Response;
        try {
          res = await fetch(`${client.base}/v1/doctor`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(client.token ? { authorization: `Bearer ${client.token}` } : {}),
              ...(lang ? { 'accept-language': lang } : {}),
            },
            body: JSON.stringify({
              domains,
              challenge: o.challenge,
              ...(o.webserver ? { webserver: o.webserver } : {}),
            }),
          });
        } catch (err) {
          throw new UnreachableError(
            client.base,
            err as Error,
            'Start it with "serein serve", set SEREIN_URL, or use --local.',
          );
        }
        const body = (await res.json()) as any;
        if (!res.ok) throw new ApiError(res.status, body, client.token);
        out = body;
        if (!o.json) process.stdout.write(`${o.verbose ? verbose(body) : body.text}\n`);
      }
      if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else if (diagnosis)
        process.stdout.write(`${formatDiagnosis(diagnosis, lang ?? 'en', { verbose: !!o.verbose, admin: true })}\n`);
      if (!out.ok) process.exitCode = 2;
    });
}

/** The API's diagnosis with every check, for --verbose through the daemon. */
function verbose(body: { text: string; checks: { status: string; domain: string; message: string }[] }): string {
  const mark: Record<string, string> = { ok: '✓', warning: '!', failure: '✗' };
  return `${body.text}\n\n${body.checks
    .filter((c) => c.status === 'ok')
    .map((c) => `  ${mark.ok} ${c.domain}: ${c.message}`)
    .join('\n')}`;
}
