import { writeFileSync } from 'node:fs';
import type { Services } from '../src/engine/action.js';
import { renderVhost, VHOST_KIND, type VhostData } from '../src/nginx/site.js';

/**
 * A site already on the nginx before a vhost bench measures: its configuration written as
 * serein renders it and recorded in serein's store, as a provider's existing site would be.
 * The caller reloads nginx once all are written.
 */
export async function addFillerSite(services: Services, data: VhostData): Promise<void> {
  const rendered = renderVhost(services.nginx, data, { tenant: 'bench' });
  writeFileSync(rendered.file.path, rendered.file.content!);
  await services.store.tenants.putResource({
    kind: VHOST_KIND,
    name: data.primary,
    tenantId: 'bench',
    data: rendered.data as unknown as Record<string, unknown>,
  });
}
