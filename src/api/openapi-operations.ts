/**
 * How /openapi.json names what the routes' schemas leave unnamed: a stable operationId per
 * operation (the name a generated client gives its method) and the events of a job's live
 * stream. Kept apart from the examples so that renaming an operation is one table.
 */

/** "METHOD /path" as the document writes it → operationId. A route missing here gets one made of its method and path. */
export const OPERATION_IDS: Record<string, string> = {
  'GET /metrics': 'getMetrics',
  'GET /healthz': 'getHealth',
  'GET /v1/playbooks': 'listPlaybooks',
  'POST /v1/jobs': 'createJob',
  'GET /v1/jobs': 'listJobs',
  'GET /v1/jobs/{id}': 'getJob',
  'GET /v1/jobs/{id}/events': 'streamJobEvents',
  'POST /v1/tenants': 'createTenant',
  'GET /v1/tenants': 'listTenants',
  'POST /v1/tenants/{id}/resources': 'giveResource',
  'DELETE /v1/tenants/{id}/resources/{kind}/{name}': 'takeResource',
  'GET /v1/resources': 'listResources',
  'GET /v1/resource-kinds': 'listResourceKinds',
  'POST /v1/tokens': 'createToken',
  'GET /v1/tokens': 'listTokens',
  'DELETE /v1/tokens/{id}': 'revokeToken',
  'GET /v1/audit': 'listAudit',
  'GET /v1/alerts': 'listAlerts',
  'POST /v1/doctor': 'diagnose',
  'GET /v1/certificates': 'listCertificates',
  'GET /v1/trash': 'listTrash',
  'GET /v1/usage': 'getUsage',
  'GET /v1/certificates/{id}': 'getCertificate',
  'GET /self-service/brand': 'getBrand',
  'GET /self-service/me': 'getMe',
  'GET /v1/escalations': 'listEscalations',
  'POST /v1/escalations/{id}/take': 'takeEscalation',
  'POST /v1/escalations/{id}/resolve': 'resolveEscalation',
  'POST /v1/escalations/{id}/do': 'doEscalation',
  'GET /v1/escalations/{id}': 'getEscalation',
  'POST /v1/escalations/{id}/answer': 'answerEscalation',
  'POST /v1/escalations/{id}/send-fix': 'sendEscalationFix',
  'GET /v1/conversations': 'listConversations',
  'GET /v1/notices': 'listNotices',
  'POST /v1/requests': 'understandRequest',
};

/** An operationId for a route the table does not name: `get` + `V1JobsIdEvents`. */
export function derivedOperationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/**
 * The events of GET /v1/jobs/{id}/events, by the name on each `event:` line. Every `data:`
 * line is one JSON object: `{id, at, kind, message, data}` for the job's events (`kind`
 * repeats the event's name), `{status}` for `end`.
 */
export const JOB_EVENTS: Record<string, string> = {
  status: 'The job changed status: message is queued, running, succeeded, failed or needs-attention',
  step: 'A step started, finished or was undone: data has step, title, phase and status (running, done, compensated)',
  log: 'A line an action wrote while it ran (secrets masked)',
  error:
    'Something failed: data has code; while undoing, step and status (running while it is tried again, compensation-failed)',
  end: 'The last event, once the job is over: data is {"status": "succeeded" | "failed" | "needs-attention"}; the stream then closes',
};
