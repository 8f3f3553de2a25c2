import fc from 'fast-check';

// What a hostile client puts in a value: the strings and JSON the fuzz run sends anywhere a value goes.

/** Words that are properties of every JS object: an input named so must be refused like any other unknown one. */
export const PROTOTYPE_KEYS = [
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
];

// Characters that no domain, identifier, enum value or server name may hold (inserted mid-value).
const META = [
  ';',
  "'",
  '"',
  '`',
  '$',
  '(',
  ')',
  '|',
  '&',
  '<',
  '>',
  '\\',
  '/',
  '\0',
  '{',
  '}',
  '*',
  '%',
  '#',
  '!',
  '=',
  '+',
  '@',
  ':',
  '?',
  '[',
  ']',
  '^',
  '~',
  ' ',
  '\r\n',
  '\t',
  ',',
  '\u202e',
  '\uffff',
];

/** Strings a hostile client sends: traversal, injection, control characters, unicode, prototype words, huge ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '__proto__',
      ...PROTOTYPE_KEYS,
      'prototype',
      '../../etc/passwd',
      '..%2f..%2fetc%2fpasswd',
      '/etc/shadow',
      "'; DROP TABLE jobs; --",
      "1' OR '1'='1",
      '$(id)',
      '`id`',
      '| id',
      '&& reboot',
      'a\r\nX-Injected: 1',
      'a\0b',
      '%00',
      '\u202e',
      '😀',
      'é.test',
      '*',
      '.',
      '..',
      ' ',
      'null',
      'undefined',
      'NaN',
      '-1',
      '1e309',
      '{{ inputs }}',
      '${HOME}',
      'x'.repeat(300),
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.nat({ max: 5 }).map((n) => 'é'.repeat(10_000 * (n + 1))) },
);

/** Any JSON value, hostile strings included, at most a few levels deep. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...PROTOTYPE_KEYS)), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** `value` with one forbidden character put inside it (not at an end, where it could be trimmed). */
export const withMeta = (value: string) =>
  fc.tuple(fc.constantFrom(...META), fc.nat()).map(([c, n]) => {
    const at = 1 + (n % Math.max(1, value.length - 1));
    return value.slice(0, at) + c + value.slice(at);
  });

/** `arb` once in `1 + nil` cases, null otherwise. */
export const rarely = <T>(arb: fc.Arbitrary<T>, nil: number) =>
  fc.oneof({ weight: nil, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
