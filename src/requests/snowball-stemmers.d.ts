// snowball-stemmers ships no types: the one function serein uses.
declare module 'snowball-stemmers' {
  /** A Snowball stemmer for a language ("french"). */
  export function newStemmer(language: string): { stem(word: string): string };
}
