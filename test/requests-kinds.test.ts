/**
 * What the reading rules know of an operation comes from its words, not from a hand list:
 * a provider's new removal (`removes: true` in its words file, here a mailbox purge) is
 * never proposed for a request that removes nothing, however sure the model is, and it is
 * anchored by the words only its phrasings use; a create (its inputs filled as a new site)
 * becomes the removal of a site when the words ask a removal.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAllOperationWords, type OperationWords } from '../src/operation-words.js';
import { anchored, operationKinds } from '../src/requests/anchors.js';
import { requestable } from '../src/requests/intents.js';
import { allowed, type Own } from '../src/requests/reading.js';

const words = loadAllOperationWords(fileURLToPath(new URL('../playbooks/', import.meta.url)));
const purge: OperationWords = {
  ...words.get('vhost.delete')!,
  request: {
    ...words.get('vhost.delete')!.request!,
    fill: 'site',
    removes: true,
    phrasings: {
      en: ['purge my mailbox', 'empty the mailbox of the shop', 'wipe all my mailbox messages'],
      fr: [
        'purger ma boîte mail',
        'vider la boîte aux lettres de la boutique',
        'effacer tous les messages de ma boîte',
      ],
    },
  },
};
const operations = requestable([...words, ['mailbox.purge', purge]]);
const own: Own = { databases: ['boutique_wp'], sites: ['boutique', 'shop'], kinds: operationKinds(operations) };

describe('the kinds of operations read from their words', () => {
  it('knows a new removal by its words', () => {
    expect(own.kinds.removes('mailbox.purge')).toBe(true);
    expect(own.kinds.removes('vhost.delete')).toBe(true);
    expect(own.kinds.removes('certificate.issue')).toBe(false);
    expect(own.kinds.creates('site.environment')).toBe(true);
    expect(own.kinds.removalOf('database')).toBe('database.delete');
  });

  it('never proposes a new removal the words did not ask for', () => {
    const ranked = [
      { intent: 'mailbox.purge', confidence: 0.97 },
      { intent: 'human', confidence: 0.02 },
      { intent: 'certificate.issue', confidence: 0.01 },
    ];
    expect(allowed(ranked, 'my mailbox of the shop is full, what can I do', own).intent).not.toBe('mailbox.purge');
    expect(allowed(ranked, 'please purge my mailbox', own).intent).toBe('mailbox.purge');
  });

  it('anchors an operation it has no rule for by the words of its own phrasings', () => {
    expect(anchored('mailbox.purge', 'la boîte aux lettres déborde', own)).toBe(true);
    expect(anchored('mailbox.purge', 'je suis la gérante de la boutique', own)).toBe(false);
  });

  it('reads a create asked as a removal as the removal of the thing it makes', () => {
    const ranked = [
      { intent: 'site.environment', confidence: 0.9 },
      { intent: 'human', confidence: 0.1 },
    ];
    expect(allowed(ranked, 'delete the wordpress site', own).intent).toBe('vhost.delete');
  });
});
