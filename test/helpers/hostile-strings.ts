import { randomInt } from 'node:crypto';
import { expect } from 'vitest';

// Words that break whatever lets a shell read them, shared by the target tests (test/targets.test.ts,
// test/target-parts.test.ts): each must reach a program as exactly one literal argument.

/** Strings that would run `touch` (or worse) if any layer let a shell interpret them. */
export function hostileStrings(dir: string): string[] {
  return [
    `x; touch ${dir}/pwned-semicolon`,
    `$(touch ${dir}/pwned-dollar)`,
    `\`touch ${dir}/pwned-backtick\``,
    `a\nb; touch ${dir}/pwned-newline`,
    `'; touch ${dir}/pwned-quote; '`,
    `"; touch ${dir}/pwned-dquote; "`,
    `'\\''; touch ${dir}/pwned-escaped-quote; '\\''`,
    `&& touch ${dir}/pwned-and || touch ${dir}/pwned-or | tee ${dir}/pwned-pipe > ${dir}/pwned-redirect`,
    `$HOME \${PATH} $((1+1)) * ? [a-z] ~ # ! %`,
    'it\'s "quoted" \\ back\\slash \\\' \\"',
    'ünïcødé ✓ 日本語 🙂 \u202e\u200b',
    '',
    ' leading and trailing blanks ',
    '-n',
    '--',
    '\t\r\n',
    "'",
    "''",
  ];
}

/** argv elements as the program received them: printf prints each followed by a NUL. */
export function splitNul(stdout: string): string[] {
  expect(stdout.endsWith('\0')).toBe(true);
  return stdout.slice(0, -1).split('\0');
}

/** A random string over every byte value but NUL, plus some multi-byte characters. */
export function randomWord(): string {
  const alphabet = [
    ...Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)),
    'é',
    '✓',
    '日',
    '🙂',
    "'",
    "'",
    '\\',
    '$',
    '`',
    '"',
  ];
  return Array.from({ length: randomInt(0, 24) }, () => alphabet[randomInt(alphabet.length)]).join('');
}
