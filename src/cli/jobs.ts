import type { Command } from 'commander';
import { clientFrom } from './client.js';
import { EXIT, UsageError } from './exit.js';

const collect = (v: string, prev: string[]) => [...prev, v];
const TERMINAL = ['succeeded', 'failed', 'needs-attention'];

/** Parses repeated `--input key=value`; a key given twice becomes a list. */
export function parseInputs(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--input "${pair}" must look like key=value`);
    const [k, v] = [pair.slice(0, eq), pair.slice(eq + 1)];
    out[k] = k in out ? [out[k], v].flat() : v;
  }
  return out;
}

/** A job's status, with the mark of a check only (dry run): its "succeeded" changed nothing. */
const shownStatus = (job: { status: string; dryRun?: boolean }) =>
  job.dryRun ? `${job.status} (check only)` : job.status;

function printJob(job: any, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${job.playbook} ${job.id}: ${shownStatus(job)}\n`);
  if (job.error)
    process.stdout.write(
      `  ${job.error.message}\n  → ${job.error.hint}\n${job.error.detail ? `  (${job.error.detail})\n` : ''}`,
    );
  for (const item of job.plan ?? []) {
    process.stdout.write(`  - ${item.summary}${item.argv ? `: ${JSON.stringify(item.argv)}` : ''}\n`);
    if (item.diff) process.stdout.write(`${item.diff.replace(/^/gm, '      ')}\n`);
    if (item.statement) process.stdout.write(`      ${item.statement}\n`);
  }
  if (job.result && !job.dryRun)
    for (const [k, v] of Object.entries(job.result))
      process.stdout.write(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
}

/** `serein run`, `serein jobs`, `serein job`: operations through the daemon's API. */
export function jobCommands(program: Command): void {
  const api = (cmd: Command) => clientFrom(cmd.optsWithGlobals());
  program
    .option('--url <url>', 'daemon API address (default: $SEREIN_URL or http://127.0.0.1:8080)')
    .option('--token <token>', 'API token (default: $SEREIN_TOKEN)');

  program
    .command('run <playbook>')
    .description('run an operation and wait for its outcome')
    .option('-i, --input <key=value>', 'an input; repeat for several', collect, [])
    .option('--dry-run', 'show the plan (diffs, commands, statements); change nothing')
    .option('--idempotency-key <key>', 'the same key returns the same job')
    .option('--no-wait', 'return as soon as the job is queued')
    .option('--json', 'machine-readable output')
    .action(async (playbook: string, o, cmd: Command) => {
      const client = api(cmd);
      const { job } = await client.request('POST', '/v1/jobs', {
        playbook,
        inputs: parseInputs(o.input),
        dryRun: !!o.dryRun,
        idempotencyKey: o.idempotencyKey,
      });
      let current = job;
      for (let delay = 25; o.wait && !TERMINAL.includes(current.status); delay = Math.min(delay * 2, 500)) {
        await new Promise((r) => setTimeout(r, delay));
        current = (await client.request('GET', `/v1/jobs/${job.id}`)).job;
      }
      printJob(current, !!o.json);
      if (current.status === 'failed') process.exitCode = EXIT.failed;
      if (current.status === 'needs-attention') process.exitCode = EXIT.attention;
    });

  program
    .command('jobs')
    .description('jobs, newest first (every page; --limit to stop early)')
    .option('--status <status>', 'only jobs in this state')
    .option('--limit <n>', 'show at most this many', (v) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable output')
    .action(async (o, cmd: Command) => {
      const q = new URLSearchParams({
        limit: String(Math.min(o.limit ?? 500, 500)),
        ...(o.status ? { status: o.status } : {}),
      });
      const jobs = api(cmd).pages<any>(`/v1/jobs?${q}`, 'jobs', o.limit ?? Infinity);
      if (o.json) {
        const all = [];
        for await (const j of jobs) all.push(j);
        return void process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      }
      let shown = 0;
      for await (const j of jobs) {
        shown++;
        process.stdout.write(
          `${j.createdAt}  ${shownStatus(j).padEnd(28)} ${j.playbook.padEnd(20)} ${j.id}${j.resource ? `  ${j.resource}` : ''}\n`,
        );
      }
      if (!shown)
        process.stdout.write(
          o.status
            ? `No ${o.status} jobs.\n`
            : 'No jobs yet: serein run PLAYBOOK starts one (serein playbooks check lists them).\n',
        );
    });

  program
    .command('job <id>')
    .description('one job, with its result (a secret result is shown once)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o, cmd: Command) => {
      printJob((await api(cmd).request('GET', `/v1/jobs/${encodeURIComponent(id)}`)).job, !!o.json);
    });
}
