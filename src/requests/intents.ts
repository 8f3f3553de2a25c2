/**
 * The operations a request can be understood as, `diagnose` (run the checks on a site and
 * say what they found) and `human` for what serein cannot do. Apart from the classifier so
 * the API's schema can name them without loading it.
 */
export const INTENTS = [
  'certificate.issue',
  'certificate.renew',
  'vhost.create',
  'vhost.delete',
  'database.create',
  'database.delete',
  'dns.fix',
  'diagnose',
  'human',
] as const;
/** One of {@link INTENTS}. */
export type Intent = (typeof INTENTS)[number];
/** The two languages serein speaks. */
export type Language = 'en' | 'fr';
/** The operations that take something away: proposed only when the words ask to remove it. */
export const DESTRUCTIVE: readonly Intent[] = ['vhost.delete', 'database.delete'];
/** What a request handed to a person is about, named in the answer and in the handover. */
export const TOPICS = [
  'billing',
  'mail',
  'storage',
  'human',
  'anger',
  'password',
  'backup',
  'hacked',
  'account',
  'other',
] as const;
/** One of {@link TOPICS}. */
export type Topic = (typeof TOPICS)[number];
