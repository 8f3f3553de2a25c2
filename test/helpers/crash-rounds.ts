import { expect } from 'vitest';
import { chooseOps, type Op, type OpWorld } from './crash-ops.js';
import { eventsOf, lastEvent, openJobs, readModel, type CrashApi, type StoreReader } from './crash-store.js';
import { until } from './until.js';

const TERMINAL = ['succeeded', 'failed', 'needs-attention'];

/** What a crash run did and found, printed at its end (and read by its final assertions). */
export function crashFigures() {
  return {
    operations: 0,
    byPlaybook: {} as Record<string, number>,
    kills: 0,
    /** Kills that landed while some of the round's jobs had not ended. */
    killsMidJob: 0,
    /** Kills after which a job the killed daemon was running was taken over and undone. */
    killsInterrupting: 0,
    /** Which daemon each kill hit. */
    killed: {} as Record<string, number>,
    interrupted: 0,
    succeeded: 0,
    failed: 0,
    needsAttention: 0,
    lost: 0,
    checks: 0,
    backupsKept: 0,
    tempFilesLeft: 0,
    emptyCertFolders: 0,
    backupOnlyCertFolders: 0,
    trashCopies: 0,
    firstError: '',
  };
}

/** See crashFigures. */
export type CrashFigures = ReturnType<typeof crashFigures>;

/** The daemons under test, as the rounds drive them. */
export interface CrashRig {
  /** The chooser's world: the seeded generator, names, servers and who asks. */
  world: OpWorld;
  tenant: string;
  reader: StoreReader;
  /** An API call to a daemon that is running. */
  api: CrashApi;
  /** Submits the i-th operation of a round (to whichever daemon the test sends it); returns the job's id. */
  submit(op: Op, i: number): Promise<string>;
  /** SIGKILLs one daemon now, waits for it to exit and starts it again; returns its name. */
  killOne(): Promise<string>;
  /** Every promise of the test; what is wrong (empty: nothing). */
  problems(): Promise<string[]>;
}

/** Waits for a job to end; the requester reads it (a shown-once password goes to it). */
export function waitJob(api: CrashApi, id: string, as: string): Promise<any> {
  return until(
    async () => {
      const res = await api('GET', `/v1/jobs/${id}`, undefined, as);
      return TERMINAL.includes(res.job.status) ? res.job : undefined;
    },
    180_000,
    `job ${id} to end`,
  );
}

/**
 * The crash rounds: `ops` operations, `batch` a round, chosen from what the store holds; each
 * round one daemon is killed after a random number of job events (0: its jobs still queued),
 * restarted, the round's jobs waited for, and every promise checked. Fails at the first round
 * that breaks one, naming the seed that replays it.
 */
export async function crashRounds(
  rig: CrashRig,
  run: { ops: number; batch: number; seed: number },
  figures: CrashFigures,
): Promise<void> {
  const { rand } = rig.world;
  let eventsPerOp = 6;
  let [eventsSeen, eventsOps] = [0, 0];
  while (figures.operations < run.ops) {
    const model = await readModel(rig.api, rig.tenant);
    const ops = chooseOps(rig.world, model, Math.min(run.batch, run.ops - figures.operations));
    const base = await lastEvent(rig.reader);
    const ids: { id: string; as: string; playbook: string }[] = [];
    for (const [i, op] of ops.entries()) {
      ids.push({ id: await rig.submit(op, i), as: op.as, playbook: op.playbook });
      figures.byPlaybook[op.playbook] = (figures.byPlaybook[op.playbook] ?? 0) + 1;
    }
    figures.operations += ops.length;
    // The kill lands after a random number of job events (0: the jobs are still queued).
    // (up to 1.25 times what the whole round makes: about one kill in five lands after the round has ended)
    const target = base + Math.floor(rand() * 1.25 * eventsPerOp * ops.length);
    const roundIds = ids.map((j) => j.id);
    await until(
      async () => (await lastEvent(rig.reader)) >= target || (await openJobs(rig.reader, roundIds)) === 0 || undefined,
      180_000,
      'the kill moment',
    );
    const open = await openJobs(rig.reader, roundIds);
    const victim = await rig.killOne();
    figures.kills++;
    figures.killed[victim] = (figures.killed[victim] ?? 0) + 1;
    if (open > 0) figures.killsMidJob++;
    let interrupting = false;
    for (const j of ids) {
      const job = await waitJob(rig.api, j.id, j.as);
      if (job.error?.code === 'interrupted') {
        figures.interrupted++;
        interrupting = true;
      }
      if (job.status === 'succeeded') {
        // Learn how many events an operation makes when it runs to its end, so the kill moments spread over whole runs.
        eventsSeen += await eventsOf(rig.reader, j.id);
        eventsOps++;
        figures.succeeded++;
      } else if (job.status === 'failed') figures.failed++;
      else figures.needsAttention++;
      if (job.status === 'needs-attention' || (job.status === 'failed' && job.error?.code !== 'interrupted')) {
        const steps = (await rig.api('GET', `/v1/jobs/${j.id}`)).steps;
        const line = `${j.playbook} ${j.id} ${job.status}: ${JSON.stringify(job.error)} ${JSON.stringify(steps?.map((s: any) => [s.name, s.status]))}`;
        console.warn(`crash test: ${line}`);
        if (job.status === 'needs-attention' && !figures.firstError) figures.firstError = line;
      }
    }
    if (interrupting) figures.killsInterrupting++;
    if (eventsOps) eventsPerOp = Math.max(2, eventsSeen / eventsOps);
    const wrong = await rig.problems();
    if (wrong.length) figures.lost += wrong.length;
    expect(wrong, `after kill ${figures.kills}, of ${victim} (seed ${run.seed})`).toEqual([]);
  }
}
