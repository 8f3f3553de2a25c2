import type { OperationWords } from '../operation-words.js';

/**
 * What a request may be understood as besides an operation: `diagnose` (run the checks on
 * a site and say what they found) and `human` for what serein cannot do. The operations
 * themselves are no list here: they are the playbooks whose words file declares phrasings
 * (playbooks/<operation>.words.yaml), a provider's included.
 */
export const NOT_OPERATIONS = ['diagnose', 'human'] as const;
/** One of {@link NOT_OPERATIONS}. */
export type NotOperation = (typeof NOT_OPERATIONS)[number];
/** An operation's name (a playbook whose words declare phrasings), or one of {@link NOT_OPERATIONS}. */
export type Intent = string;
/** The two languages serein speaks. */
export type Language = 'en' | 'fr';

/** An operation a request may ask for: its words, with how a request fills its inputs. */
export type RequestableWords = OperationWords & { request: NonNullable<OperationWords['request']> };
/** The operations a request may be understood as, by name: the playbooks whose words declare phrasings. */
export type Operations = ReadonlyMap<string, RequestableWords>;

/** The operations among a set of playbooks' words: those that declare phrasings. */
export function requestable(words: Iterable<[string, OperationWords | undefined]>): Operations {
  const out = new Map<string, RequestableWords>();
  for (const [name, w] of words) if (w?.request) out.set(name, w as RequestableWords);
  return out;
}

/** Whether an intent takes something away: proposed only when the words ask to remove it. */
export function removes(operations: Operations, intent: Intent): boolean {
  return operations.get(intent)?.request.removes === true;
}

/**
 * The removals the reading rules (./reading.ts) know by name, mapping "delete my site" or
 * "drop that database" to them. Any other removal is one by its words (`removes: true`):
 * see {@link removes}.
 */
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
