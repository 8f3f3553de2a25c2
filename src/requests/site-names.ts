import { distance } from 'fastest-levenshtein';

/**
 * The client's name a written one means: the same (a leading "www." aside), close enough
 * to be a typo (boutqiue.fr), or written as it sounds (boutik.fr); one name only, never
 * a guess between two.
 */
export function closest(written: string, names: string[]): string | undefined {
  const bare = written.replace(/^www\./, '');
  if (names.includes(written)) return written;
  if (names.includes(bare)) return bare;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const n of names) {
    const d = Math.min(distance(bare, n), distance(sound(bare), sound(n)));
    if (d < bestDistance) [best, bestDistance, tie] = [n, d, false];
    else if (d === bestDistance) tie = true;
  }
  // Up to a quarter of the letters wrong, three at most: a typo, not another name.
  return best && !tie && bestDistance <= Math.min(3, Math.floor(best.length / 4)) ? best : undefined;
}

/** A name as it sounds in French or English: "qu", "ck" and a hard "c" as k, "ph" as f, "y" as i, doubled letters once, no final "e" of a label. */
function sound(name: string): string {
  return name
    .split('.')
    .map((l) =>
      l
        .replace(/qu|ck|c(?=[aou])/g, 'k')
        .replace(/ph/g, 'f')
        .replace(/y/g, 'i')
        .split('')
        .filter((ch, i, all) => ch !== all[i - 1])
        .join('')
        .replace(/(.)e$/, '$1'),
    )
    .join('.');
}
