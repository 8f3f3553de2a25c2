/**
 * Crash safety: the cleanup that runs when a lab could not stop() itself.
 *   - a process 'exit' handler that SIGKILLs the children synchronously and runs the cleanup script
 *     synchronously (this is what runs when vitest is interrupted with Ctrl-C / SIGTERM);
 *   - a detached watchdog (bash) holding a pipe to this process: when this process dies without
 *     cleaning up (SIGKILL, crash), the pipe closes and the watchdog runs the same cleanup script.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * The cleanup script, run by the exit handler (synchronously) and by the watchdog (after this process
 * died). $1 = the lab folder. Runs the components' `beforeKill` parts (podman: remove the containers),
 * stops every process whose command line mentions the folder, unmounts what podman left mounted, runs
 * the components' `afterKill` parts (leftover cgroups, postgres's SysV segment), removes the folder.
 */
export function cleanupScript(parts: readonly ({ beforeKill?: string; afterKill?: string } | undefined)[]): string {
  const before = parts.map((p) => p?.beforeKill ?? '').join('');
  const after = parts.map((p) => p?.afterKill ?? '').join('');
  return String.raw`
set +e
dir=$1
case "$dir" in /*/serein-lab-*) ;; *) exit 0 ;; esac
[ -d "$dir" ] || exit 0
${before}
self=$$
list() {
  local f p
  for f in /proc/[0-9]*/cmdline; do
    p=\${f#/proc/}; p=\${p%/cmdline}
    [ "$p" = "$self" ] && continue
    mapfile -d '' -t a < "$f" 2>/dev/null || continue
    case " \${a[*]} " in *"$dir/"*) echo "$p" ;; esac
  done
}
pids=$(list)
if [ -n "$pids" ]; then
  kill -TERM $pids 2>/dev/null
  for i in $(seq 40); do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  [ -n "$alive" ] && kill -KILL $alive 2>/dev/null
fi
mps=""
while read -r _ _ _ _ mp _; do case "$mp" in "$dir"/*) mps="$mp $mps" ;; esac; done < /proc/self/mountinfo
for mp in $mps; do umount -l "$mp" 2>/dev/null; done
${after}
rm -rf "$dir"
`.replace(/\\\$\{/g, '${');
}

/**
 * Starts the watchdog for `dir`: bash blocks reading a pipe from this process, and runs `script`
 * once the pipe closes (stop() ends it: the watchdog then finds no folder and exits).
 */
export function startWatchdog(script: string, dir: string): ChildProcess {
  const wd = spawn('bash', ['-c', `cat >/dev/null 2>&1\n${script}`, 'serein-lab-watchdog', dir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  wd.on('error', () => undefined);
  wd.unref();
  const stdin = wd.stdin as (Writable & { unref?: () => void }) | null;
  stdin?.on('error', () => undefined);
  stdin?.unref?.();
  return wd;
}

/** Runs `script` on `dir` synchronously (from the 'exit' handler), if the folder is still there. */
export function runCleanupSync(script: string, dir: string): void {
  if (!fs.existsSync(dir)) return;
  spawnSync('bash', ['-c', script, 'serein-lab-cleanup', dir], { stdio: 'ignore', timeout: 60_000 });
}

/** What the exit handler needs from a lab that has not stopped yet. */
export interface EmergencyCleanup {
  emergencyCleanupSync(): void;
}

const liveLabs = new Set<EmergencyCleanup>();
let exitHandlerInstalled = false;

/** Registers a live lab with the process 'exit' handler (installed once); unregister it when it stopped. */
export function registerLiveLab(lab: EmergencyCleanup): void {
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', () => {
      for (const l of liveLabs) l.emergencyCleanupSync();
    });
  }
  liveLabs.add(lab);
}

/** The lab stopped cleanly: the exit handler has nothing left to do for it. */
export function unregisterLiveLab(lab: EmergencyCleanup): void {
  liveLabs.delete(lab);
}
