import type { Config } from '../config/schema.js';
import { stageOf } from '../store/escalations.js';
import { ONCE_MS, type Escalations } from './escalations.js';
import { describe } from './describe.js';
import { struggleOf } from './priority.js';

/**
 * Reminds admins of an escalation nobody took: after `escalations.reminders.afterMinutes`
 * through the first channel (`first`: the webhooks and admin feed, or the admins'
 * emails), then `againMinutes` later through the other one. Each reminder is claimed in
 * the store (one per escalation and step, across daemons) and recorded in the
 * conversation for admins; it carries the struggle score, so its priority shows. Claimed
 * once (ONCE_MS), whichever daemon sweeps first; escalations open before this version had
 * theirs claimed by migration 0016, so an upgrade sends no burst of reminders.
 */
export async function remind(esc: Escalations, config: Config, now: Date): Promise<number> {
  const { store } = esc.services;
  const r = config.escalations.reminders;
  if (!r.enabled) return 0;
  let sent = 0;
  for (const e of await store.escalations.unresolved()) {
    if (!e.escalatedAt || e.state !== 'open' || stageOf(e) === 'resolved') continue;
    const waited = now.getTime() - new Date(e.escalatedAt).getTime();
    const steps = [
      { n: 1, due: r.afterMinutes * 60_000, channel: r.first },
      { n: 2, due: (r.afterMinutes + r.againMinutes) * 60_000, channel: r.first === 'webhook' ? 'email' : 'webhook' },
    ] as const;
    for (const step of steps) {
      if (waited < step.due || !(await store.notices.claim(`remind:${e.id}:${step.n}`, e.tenantId, now, ONCE_MS)))
        continue;
      const s = struggleOf(e, now);
      const line = `Reminder: nobody has taken this escalation since ${e.escalatedAt.slice(0, 16).replace('T', ' ')} UTC (priority ${s.priority}, struggle score ${s.score}).`;
      let channel: string = step.channel;
      if (channel === 'email') {
        const tenant = await store.tenants.get(e.tenantId);
        const text = `${line}\n${describe(e, tenant ? `${tenant.id} (${tenant.name})` : e.tenantId)}`;
        // No admin email configured: the webhook and the feed still carry the reminder.
        if (
          !(await esc.emailAdmins(
            e,
            text,
            `reminder: ${tenant?.name ?? e.tenantId} still needs a hand (${s.priority})`,
          ))
        )
          channel = 'webhook';
      }
      if (channel === 'webhook') await esc.deliver(e, { reminder: line });
      const at = now.toISOString();
      await store.escalations.update(e.id, at, (x) => ({ steps: [...x.steps, { at, kind: 'reminded', channel }] }));
      sent++;
    }
  }
  return sent;
}
