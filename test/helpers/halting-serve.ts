/**
 * A daemon for crash tests that must be killed at an exact point of a job:
 * `node --import tsx test/helpers/halting-serve.ts CONFIG HALT_FILE` runs what `serein serve`
 * runs, built in-process with the runner's checkpoint hook, which production never sets.
 * When an action reaches the point HALT_FILE names, the whole process freezes there
 * (nothing more runs, not even its heartbeat), as if killed at that instruction, and says
 * so on stderr for the test to SIGKILL it. Started by haltingSerein in ./process.ts.
 */
import { readFileSync, writeSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import { startDaemon } from '../../src/daemon.js';

const [configFile, haltFile] = process.argv.slice(2);
if (!configFile || !haltFile) throw new Error('usage: halting-serve.ts CONFIG HALT_FILE');

/** The point the test wants the daemon stopped at; read at each point, so one daemon serves several kills. */
function wanted(): string {
  try {
    return readFileSync(haltFile, 'utf8').trim();
  } catch {
    return '';
  }
}

const daemon = await startDaemon(loadConfig(configFile), {
  onCheckpoint: ({ job, step, point }) => {
    if (wanted() !== point) return;
    writeSync(2, `serein test hook: halted at ${point} (step ${step} of job ${job.id})\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  },
});
// As `serein serve` says it, for serveReady (./serve-process.ts).
if (daemon.firstAdminToken) process.stdout.write(`admin token: ${daemon.firstAdminToken}\n`);
process.once('SIGTERM', () => void daemon.stop().then(() => process.exit(0)));
