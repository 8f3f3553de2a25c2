import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** A figure taken over several runs: the spread matters as much as the middle on a shared machine. */
export interface Stat {
  min: number;
  median: number;
  max: number;
  runs: number;
  unit: string;
}

/** min/median/max of the runs' values, with the unit they are in. */
export function stat(values: number[], unit: string): Stat {
  const xs = [...values].sort((a, b) => a - b);
  return { min: xs[0], median: xs[Math.floor(xs.length / 2)], max: xs[xs.length - 1], runs: xs.length, unit };
}

/** The p-th percentile (0..100) of samples, nearest rank: for latencies. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return NaN;
  const xs = [...samples].sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))];
}

/** What the machine was while a bench ran: figures mean nothing without it (the machine may be shared). */
export function machine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    load: loadavg().map((l) => +l.toFixed(2)),
    node: process.version,
  };
}

/** A bench's answer: named figures (a Stat, a number or a note), in the order they should be read. */
export type Figures = Record<string, Stat | number | string>;

/** Runs fn `runs` times, returning each run's result: the caller turns them into Stats. */
export async function repeat<T>(runs: number, fn: (run: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}
