import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import type { Language } from '../../errors.js';
import { sizeInWords } from '../../notify/disk-messages.js';
import { tenantQuota } from '../../quotas.js';
import type { Store } from '../../store/store.js';

/** What a request for more space is answered with beside the handover: the figures the team will look at. */
export const storageAnswer = z
  .object({
    usedBytes: z.number().describe("the tenant's sites and databases, as last measured"),
    quotaBytes: z.number().nullable().describe("the tenant's diskBytes quota, if one is set"),
  })
  .describe('handoff about storage ("plus de mémoire", "more space"): the figures, also named in the sentence');

/**
 * "Plus de mémoire" is a question about disk space: before a person takes it, the client
 * reads what they use today (and of how much), and the admin gets the same figures in the
 * handover, so nobody has to look them up. The figures are the background pass's; nothing
 * is measured while the client waits.
 */
export async function storageFigures(
  store: Store,
  config: Config,
  tenantId: string,
  lang: Language,
): Promise<{ usage: z.infer<typeof storageAnswer>; sentence: string; admin: string } | undefined> {
  const figures = await store.usage.list(tenantId);
  if (!figures.length) return undefined; // not measured yet: nothing true to say
  const usedBytes = figures.reduce((sum, f) => sum + f.bytes, 0);
  const quotaBytes = tenantQuota(config, tenantId).diskBytes ?? null;
  const used = sizeInWords(usedBytes, lang);
  const of = quotaBytes === null ? '' : sizeInWords(quotaBytes, lang);
  const sentence =
    lang === 'fr'
      ? `Aujourd'hui, vos sites et vos bases de données occupent ${used}${of ? ` sur les ${of} prévus` : ''}.`
      : `Today your sites and databases use ${used}${of ? ` of the ${of} your plan includes` : ''}.`;
  const admin = `${sizeInWords(usedBytes, 'en')}${quotaBytes === null ? ', no quota' : ` of ${sizeInWords(quotaBytes, 'en')}`}`;
  return { usage: { usedBytes, quotaBytes }, sentence, admin };
}
