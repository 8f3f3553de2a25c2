import { serverNotReady } from './errors.js';
import { runChecks, type Finding, type MachineCheck, type MachineDeps } from './finding.js';
import { localChecks } from './local.js';
import { Probes } from './probe.js';
import { caChecks, databaseChecks, dnsChecks } from './servers.js';
import { ALL_WEBSERVER_PARTS, webserverChecks, type WebserverPart } from './webserver.js';

export { runChecks, type Finding, type MachineCheck, type MachineDeps } from './finding.js';
export type { WebserverPart } from './webserver.js';

/**
 * What to look at: everything (`serein check`, the daemon's start), or what one
 * operation needs (a dry run): some parts of one web server, some CAs.
 */
export type CheckScope =
  | { all: true; nginxTest?: boolean }
  | { webserver: string; parts: readonly WebserverPart[] }
  | { cas: readonly string[] };

/**
 * The checks of the machine for a scope, built from the configuration: `serein check`
 * and dry runs share them, so both say the same thing with the same fix.
 */
export function machineChecks(deps: MachineDeps, scope: CheckScope, o: { timeoutMs?: number } = {}): MachineCheck[] {
  const probes = new Probes();
  const { config } = deps;
  if ('webserver' in scope) {
    const ws = config.webservers[scope.webserver];
    return ws ? webserverChecks(deps, probes, scope.webserver, ws, scope.parts) : [];
  }
  if ('cas' in scope) return caChecks(config, scope.cas, o.timeoutMs);
  const targets: MachineCheck[] = Object.keys(config.targets).map((name) => ({
    subject: `target ${name}`,
    what:
      config.targets[name].type === 'local' ? 'this machine runs programs' : `reachable (${config.targets[name].type})`,
    run: async () => {
      const r = await deps.target(name).run(['true'], { timeoutMs: 10_000 });
      return r.code === 0
        ? { ok: true }
        : { ok: false, fix: `a program run there exited with ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}` };
    },
  }));
  return [
    ...localChecks(config),
    ...targets,
    ...Object.entries(config.webservers).flatMap(([name, ws]) =>
      webserverChecks(
        deps,
        probes,
        name,
        ws,
        scope.nginxTest === false ? ALL_WEBSERVER_PARTS.filter((p) => p !== 'test') : ALL_WEBSERVER_PARTS,
      ),
    ),
    ...Object.entries(config.databases).flatMap(([name, db]) => databaseChecks(deps, probes, name, db)),
    ...dnsChecks(config),
    ...caChecks(config, undefined, o.timeoutMs),
  ];
}

/** Runs the checks of a scope; the findings come back in the order the checks were built. */
export function checkMachine(
  deps: MachineDeps,
  scope: CheckScope,
  o: { timeoutMs?: number; concurrency?: number } = {},
): Promise<Finding[]> {
  return runChecks(machineChecks(deps, scope, o), o);
}

/** One problem on a line, with its fix: how the daemon's log, a dry run and `serein check` say it. */
export const problemLine = (f: Finding) => `${f.subject}: ${f.what}: ${f.fix}`;

/**
 * For a dry run: fails with every problem the real run would hit on the machine (a
 * missing folder, a missing program, a reload command that cannot work), instead of a
 * plan that passes. The client reads that the server is not ready; admins read each
 * problem with its fix.
 */
export async function assertMachineReady(deps: MachineDeps, scope: CheckScope): Promise<void> {
  const findings = await checkMachine(deps, scope);
  const problems = findings.filter((f) => !f.ok);
  if (!problems.length) return;
  // An order falls back from one CA to the next: one CA that answers is enough.
  if ('cas' in scope && findings.some((f) => !problems.some((p) => p.subject === f.subject))) return;
  throw serverNotReady(problems.map(problemLine).join('; '));
}
