import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import PorterStemmerFr from 'natural/lib/natural/stemmers/porter_stemmer_fr.js';
import stopwordsEn from 'natural/lib/natural/util/stopwords.js';
import stopwordsFr from 'natural/lib/natural/util/stopwords_fr.js';

/** Small words of both languages ("je", "the", "pour"): they say nothing of what is asked. */
const STOP = new Set([...stopwordsEn.words, ...stopwordsFr.words].map(fold));

/** At most this many words are read: a request is a sentence, and features must not underflow the classifier. */
const MAX_WORDS = 40;

/** A host name written in a request: labels with a dot, the last one letters (not "8.3"). */
const HOST = /(?<![\w@.-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}(?![\w.-]*@)(?![\w-])/g;

/** Lower case without accents: clients often type "securise" for "sécurisé". */
export function fold(text: string): string {
  return text.toLowerCase().normalize('NFD').replace(/\p{Diacritic}/gu, '');
}

/** The host names written in a request, in order, without duplicates; e-mail addresses are not names. */
export function hostNames(text: string): string[] {
  const cleaned = fold(text).replace(/\S+@\S+/g, ' ');
  return [...new Set(cleaned.match(HOST) ?? [])].map((h) => h.replace(/\.$/, ''));
}

/** The words of a request, folded, without host names, e-mail addresses or punctuation. */
export function words(text: string): string[] {
  const cleaned = fold(text).replace(/\S+@\S+/g, ' ').replace(HOST, ' ');
  return cleaned.split(/[^a-z0-9]+/).filter(Boolean).slice(0, MAX_WORDS);
}

/**
 * What the intent classifier learns from: each word's French and English stems, small
 * words left out (a request's language is read separately). Stems alone scored better
 * than stems with character trigrams on the evaluation table (87.9 % against 79.4 %):
 * typos in names are forgiven by string distance against the client's names instead.
 */
export function features(text: string): string[] {
  const out = new Set<string>();
  for (const w of words(text)) {
    if (STOP.has(w)) continue;
    out.add(`w:${PorterStemmerFr.stem(w)}`);
    out.add(`w:${PorterStemmer.stem(w)}`);
  }
  return [...out];
}
