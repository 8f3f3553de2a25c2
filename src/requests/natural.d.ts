// The two parts of `natural` serein uses, imported by path so the package's storage
// back-ends (which read a .env file and pull database drivers) are never loaded.
declare module 'natural/lib/natural/classifiers/bayes_classifier.js' {
  /** A naive Bayes classifier over token arrays (or strings, stemmed in English). */
  export default class BayesClassifier {
    addDocument(text: string | string[], label: string): void;
    train(): void;
    getClassifications(observation: string | string[]): { label: string; value: number }[];
  }
}
declare module 'natural/lib/natural/classifiers/logistic_regression_classifier.js' {
  /** A logistic regression classifier, same interface as the Bayes one. */
  export default class LogisticRegressionClassifier {
    addDocument(text: string | string[], label: string): void;
    train(): void;
    getClassifications(observation: string | string[]): { label: string; value: number }[];
  }
}
declare module 'natural/lib/natural/stemmers/porter_stemmer_fr.js' {
  const stemmer: { stem(word: string): string };
  export default stemmer;
}
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const stemmer: { stem(word: string): string };
  export default stemmer;
}
declare module 'natural/lib/natural/util/stopwords.js' {
  const list: { words: string[] };
  export default list;
}
declare module 'natural/lib/natural/util/stopwords_fr.js' {
  const list: { words: string[] };
  export default list;
}
