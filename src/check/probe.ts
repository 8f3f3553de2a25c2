import type { Target } from '../targets/target.js';

/**
 * What one look at a target tells about one item: a folder ("ok", "readonly", "notdir",
 * "creatable": missing but its nearest parent is writable, "missing"), a file ("ok",
 * "missing"), a program ("ok", "missing"), systemd ("ok", "missing").
 */
export type ProbeAnswer = 'ok' | 'readonly' | 'notdir' | 'creatable' | 'missing';

/** One thing to look at: a path of a kind (so a file where a folder is expected is told apart), or systemd itself. */
export type ProbeItem = { kind: 'dir' | 'file' | 'bin'; path: string } | { kind: 'systemd' };

/**
 * One POSIX sh script looks at every item of a target at once (one program started per
 * target, whether local, over SSH or in a container). The items are its arguments, never
 * part of the script. `test -w` asks access(2), so a read-only mount (systemd's
 * ProtectSystem, a read-only bind) reads as "readonly" even for root.
 */
const SCRIPT = `
for a in "$@"; do
  k=\${a%%:*} v=\${a#*:}
  case $k in
    dir)
      if [ -d "$v" ]; then if [ -w "$v" ]; then echo ok; else echo readonly; fi
      elif [ -e "$v" ]; then echo notdir
      else p=$v; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done; if [ -d "$p" ] && [ -w "$p" ]; then echo creatable; else echo missing; fi
      fi;;
    file) if [ -f "$v" ] && [ -r "$v" ]; then echo ok; else echo missing; fi;;
    bin)
      case $v in
        */*) if [ -f "$v" ] && [ -x "$v" ]; then echo ok; else echo missing; fi;;
        *) if command -v -- "$v" >/dev/null 2>&1; then echo ok; else echo missing; fi;;
      esac;;
    systemd) if [ -d /run/systemd/system ]; then echo ok; else echo missing; fi;;
    *) echo missing;;
  esac
done
`;

const arg = (i: ProbeItem) => (i.kind === 'systemd' ? 'systemd:' : `${i.kind}:${i.path}`);

/**
 * The probes of one check run: items are registered while the checks are built, and the
 * first check that asks runs one script per target for all of them.
 */
export class Probes {
  private readonly items = new Map<
    string,
    { target: () => Target; args: string[]; answer?: Promise<Map<string, ProbeAnswer>> }
  >();

  /** Registers an item on a target; the function returned reads its answer (running the target's script once). */
  ask(targetName: string, target: () => Target, item: ProbeItem): () => Promise<ProbeAnswer> {
    let entry = this.items.get(targetName);
    if (!entry) this.items.set(targetName, (entry = { target, args: [] }));
    const key = arg(item);
    if (!entry.args.includes(key)) entry.args.push(key);
    const e = entry;
    return async () => {
      e.answer ??= run(e.target(), [...e.args]);
      return (await e.answer).get(key) ?? 'missing';
    };
  }
}

async function run(target: Target, args: string[]): Promise<Map<string, ProbeAnswer>> {
  const r = await target.run(['sh', '-c', SCRIPT, 'sh', ...args], { timeoutMs: 15_000 });
  const lines = r.stdout.split('\n').filter(Boolean);
  if (r.code !== 0 || lines.length !== args.length)
    throw new Error(
      `could not look at ${target.name}: ${(r.stderr || r.stdout).trim().split('\n')[0] || `exit code ${r.code}`}`,
    );
  return new Map(args.map((a, i) => [a, lines[i] as ProbeAnswer]));
}
