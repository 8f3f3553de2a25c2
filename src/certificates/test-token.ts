import { randomBytes } from 'node:crypto';
import type { Target } from '../targets/target.js';
import { challengeFile } from './solvers.js';

/** A preflight's test token: the file name under /.well-known/acme-challenge/ and the exact body it must serve. */
export interface TestToken {
  token: string;
  body: string;
}

/** The token could not be written into the challenge folder (nothing was placed). */
export class TokenNotPlaced extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'TokenNotPlaced';
  }
}

interface Shared {
  token: TestToken;
  path: string;
  users: number;
  placed: Promise<void>;
}

// Per target, per challenge folder: the token the preflights running now share.
const shared = new WeakMap<Target, Map<string, Shared>>();

/**
 * Runs `use` with a random test token placed in the challenge folder. Preflights that run
 * at the same time on the same folder share one token file: every name is still fetched
 * over each of its own addresses and must return the exact random body, but a burst of
 * jobs costs one write and one removal instead of one each (measured under 50
 * jobs at once: 139 ms per token write, queued behind each other's fsyncs). The last user
 * removes the file; the next burst places a new token.
 */
export async function withTestToken<T>(
  target: Target,
  challengeRoot: string,
  use: (token: TestToken) => Promise<T>,
): Promise<T> {
  const folders = shared.get(target) ?? new Map<string, Shared>();
  shared.set(target, folders);
  let s = folders.get(challengeRoot);
  if (!s) {
    const token = {
      token: randomBytes(24).toString('base64url'),
      body: `${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
    };
    const path = challengeFile(challengeRoot, token.token);
    const placed = (async () => {
      await target.mkdir(path.slice(0, path.lastIndexOf('/')), { mode: 0o755 });
      await target.writeFile(path, token.body, { mode: 0o644, durable: false }); // lives for one check: not flushed
    })();
    const entry: Shared = { token, path, users: 0, placed };
    // A failed placement is not shared with preflights that start later: they try again.
    placed.catch(() => folders.get(challengeRoot) === entry && folders.delete(challengeRoot));
    folders.set(challengeRoot, entry);
    s = entry;
  }
  const mine = s;
  mine.users++;
  try {
    try {
      await mine.placed;
    } catch (err) {
      throw new TokenNotPlaced(err);
    }
    return await use(mine.token);
  } finally {
    if (--mine.users === 0) {
      // Taken out of the map before the removal starts, so no new user picks a token being removed.
      if (folders.get(challengeRoot) === mine) folders.delete(challengeRoot);
      await mine.placed.then(
        () => target.remove(mine.path).catch(() => undefined),
        () => undefined,
      );
    }
  }
}
