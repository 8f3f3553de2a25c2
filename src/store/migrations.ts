import { sql, type Kysely, type Migration } from 'kysely';
import { escalationDoneJob, siteProblems } from './migrations-escalations.js';
import { resourceNames } from './migrations-resource-names.js';
import { resourcesByTenant } from './migrations-by-tenant.js';
import { renewalClaims } from './migrations-claims.js';
import { renewalIndexes } from './migrations-renewals.js';

/** Schema history. Append new migrations; never edit a released one. */
export function migrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  const serial = dialect === 'sqlite' ? 'integer' : 'bigserial';
  const appendOnly = async (db: Kysely<any>, table: string) => {
    if (dialect === 'sqlite') {
      for (const op of ['UPDATE', 'DELETE']) {
        await sql
          .raw(
            `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
          )
          .execute(db);
      }
    } else {
      await sql
        .raw(
          `CREATE OR REPLACE FUNCTION serein_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql`,
        )
        .execute(db);
      await sql
        .raw(
          `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION serein_append_only()`,
        )
        .execute(db);
    }
  };
  return {
    '0001-initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('tenants')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('language', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('resources')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('resources_pk', ['kind', 'name'])
          .execute();
        await db.schema
          .createTable('server_grants')
          .addColumn('server', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('server_grants_pk', ['server', 'tenant_id'])
          .execute();
        await db.schema
          .createTable('tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.references('tenants.id'))
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('playbook', 'text', (c) => c.notNull())
          .addColumn('inputs', 'text', (c) => c.notNull())
          .addColumn('dry_run', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text')
          .addColumn('token_id', 'text')
          .addColumn('idempotency_key', 'text', (c) => c.unique())
          .addColumn('resource', 'text')
          .addColumn('target', 'text')
          .addColumn('plan', 'text')
          .addColumn('result', 'text')
          .addColumn('secret_result', 'text')
          .addColumn('error', 'text')
          .addColumn('language', 'text', (c) => c.notNull())
          .addColumn('owner', 'text')
          .addColumn('lease_until', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('finished_at', 'text')
          .execute();
        await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'created_at']).execute();
        await db.schema
          .createTable('job_steps')
          .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('checkpoint', 'text')
          .addColumn('output', 'text')
          .addColumn('error', 'text')
          .addColumn('started_at', 'text')
          .addColumn('finished_at', 'text')
          .addPrimaryKeyConstraint('job_steps_pk', ['job_id', 'idx'])
          .execute();
        await db.schema
          .createTable('job_events')
          .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('data', 'text')
          .execute();
        await db.schema.createIndex('job_events_job').on('job_events').columns(['job_id', 'id']).execute();
        await db.schema
          .createTable('audit')
          .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('token_id', 'text')
          .addColumn('tenant_id', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('subject', 'text')
          .addColumn('inputs', 'text')
          .addColumn('plan', 'text')
          .addColumn('result', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .execute();
        await appendOnly(db, 'audit');
        await db.schema
          .createTable('alerts')
          .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text')
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .execute();
        await db.schema
          .createTable('kv')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0002-certificates': {
      async up(db: Kysely<any>) {
        // Every certificate serein issued, with its key and renewal state; history is kept (status replaced).
        await db.schema
          .createTable('certificates')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text')
          .addColumn('webserver', 'text')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('domains', 'text', (c) => c.notNull())
          .addColumn('challenge', 'text', (c) => c.notNull())
          .addColumn('key_type', 'text', (c) => c.notNull())
          .addColumn('ca', 'text', (c) => c.notNull())
          .addColumn('ca_directory', 'text', (c) => c.notNull())
          .addColumn('serial', 'text', (c) => c.notNull())
          .addColumn('ari_cert_id', 'text', (c) => c.notNull())
          .addColumn('not_before', 'text', (c) => c.notNull())
          .addColumn('not_after', 'text', (c) => c.notNull())
          .addColumn('cert_pem', 'text', (c) => c.notNull())
          .addColumn('key_pem', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('replaces_id', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('activated_at', 'text')
          .addColumn('renew_after', 'text')
          .addColumn('ari_window_start', 'text')
          .addColumn('ari_window_end', 'text')
          .addColumn('ari_checked_at', 'text')
          .addColumn('renewal_failures', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text')
          .addColumn('last_error', 'text')
          .execute();
        await db.schema
          .createIndex('certificates_status')
          .on('certificates')
          .columns(['status', 'renew_after'])
          .execute();
        await db.schema.createIndex('certificates_name').on('certificates').columns(['name', 'webserver']).execute();
        await db.schema
          .createTable('acme_accounts')
          .addColumn('directory_url', 'text', (c) => c.notNull())
          .addColumn('key_thumbprint', 'text', (c) => c.notNull())
          .addColumn('ca', 'text', (c) => c.notNull())
          .addColumn('account_url', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('acme_accounts_pk', ['directory_url', 'key_thumbprint'])
          .execute();
        await db.schema
          .createTable('acme_validation_failures')
          .addColumn('id', serial, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('ca', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .execute();
        await db.schema
          .createIndex('acme_validation_failures_name')
          .on('acme_validation_failures')
          .columns(['name', 'ca', 'at'])
          .execute();
      },
    },
    '0003-drop-kv': {
      async up(db: Kysely<any>) {
        // Made by 0001 for settings that never came: an unused table is one more thing to secure.
        await db.schema.dropTable('kv').ifExists().execute();
      },
    },
    '0004-job-tenant': {
      async up(db: Kysely<any>) {
        // The tenant a job's resource belongs to, whoever asked: an admin's job on a client's site is the client's too.
        await db.schema.alterTable('jobs').addColumn('for_tenant', 'text').execute();
        await sql`UPDATE jobs SET for_tenant = tenant_id`.execute(db);
        await db.schema.createIndex('jobs_for_tenant').on('jobs').columns(['for_tenant', 'created_at']).execute();
      },
    },
    '0005-token-last-used': {
      async up(db: Kysely<any>) {
        // When a token last authenticated: until an admin token has, every start says how to make one.
        await db.schema.alterTable('tokens').addColumn('last_used_at', 'text').execute();
      },
    },
    '0006-client-notices': {
      async up(db: Kysely<any>) {
        // Where a client is told when something needs them; and when each thing was last told, so one event is one email.
        await db.schema.alterTable('tenants').addColumn('email', 'text').execute();
        await db.schema
          .createTable('client_notices')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0008-escalations': {
      async up(db: Kysely<any>) {
        // A stuck client handed to an admin; open_key (tenant|problem, null once resolved) keeps one open escalation per problem.
        await db.schema
          .createTable('escalations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('problem', 'text', (c) => c.notNull())
          .addColumn('open_key', 'text', (c) => c.unique())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('taken_by', 'text')
          .addColumn('opened_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('resolved_at', 'text')
          .addColumn('data', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('escalations_state').on('escalations').columns(['state', 'updated_at']).execute();
        // What the daily drift watch found on a certificate's names, since when, until it is fixed.
        await db.schema
          .createTable('drift_findings')
          .addColumn('certificate_id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('first_seen', 'text', (c) => c.notNull())
          .addColumn('last_seen', 'text', (c) => c.notNull())
          .addColumn('escalated', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('data', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0009-page-indexes': {
      async up(db: Kysely<any>) {
        // Keyset pagination (src/store/page.ts): each page of a 100,000-row list reads its rows, not the whole table.
        await db.schema.createIndex('certificates_created').on('certificates').columns(['created_at', 'id']).execute();
        await db.schema.createIndex('certificates_status_id').on('certificates').columns(['status', 'id']).execute();
        // A list filtered by status (the API's default: active) or by tenant reads its page in order, without sorting the fleet.
        await db.schema
          .createIndex('certificates_status_created')
          .on('certificates')
          .columns(['status', 'created_at', 'id'])
          .execute();
        await db.schema
          .createIndex('certificates_tenant_created')
          .on('certificates')
          .columns(['tenant_id', 'created_at', 'id'])
          .execute();
        await db.schema.createIndex('jobs_created').on('jobs').columns(['created_at', 'id']).execute();
      },
    },
    '0010-acted-by': {
      async up(db: Kysely<any>) {
        // Who acted for the tenant (an admin's "do it for them", the schedule): a failure there is not the client struggling.
        await db.schema.alterTable('jobs').addColumn('acted_by', 'text').execute();
      },
    },
    '0011-conversations': {
      async up(db: Kysely<any>) {
        // An escalation is also the client's conversation about a problem from its first sighting: admins see it once handed to them.
        await db.schema.alterTable('escalations').addColumn('escalated_at', 'text').execute();
        await sql`UPDATE escalations SET escalated_at = opened_at`.execute(db);
        // A problem that comes back finds the conversation that ended about it.
        await db.schema
          .createIndex('escalations_problem')
          .on('escalations')
          .columns(['tenant_id', 'problem', 'resolved_at'])
          .execute();
      },
    },
    '0012-certificate-profile': {
      async up(db: Kysely<any>) {
        // The CA profile a certificate was ordered with, so that its renewals order the same kind (a 6-day one stays 6-day).
        await db.schema.alterTable('certificates').addColumn('profile', 'text').execute();
      },
    },
    '0013-outbox': {
      async up(db: Kysely<any>) {
        // Alerts, escalations and emails on their way out: written in the request, sent after it, claimed by one daemon at a time.
        await db.schema
          .createTable('outbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('destination', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_at', 'text', (c) => c.notNull())
          .addColumn('owner', 'text')
          .addColumn('claim', 'text')
          .addColumn('lease_until', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .execute();
        await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_at']).execute();
        await db.schema.createIndex('outbox_claim').on('outbox').column('claim').execute();
      },
    },
    '0014-trash': {
      async up(db: Kysely<any>) {
        // Copies of deleted databases and site files, restorable until they expire (src/store/trash.ts).
        await db.schema
          .createTable('trash')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('file', 'text', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('restored_at', 'text')
          .execute();
        await db.schema.createIndex('trash_tenant').on('trash').columns(['tenant_id', 'created_at']).execute();
        await db.schema.createIndex('trash_expires').on('trash').column('expires_at').execute();
        // The last measured size of each site and database (src/watch/disk-usage.ts), never measured inside a request.
        await db.schema
          .createTable('disk_usage')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('measured_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('disk_usage_pk', ['kind', 'name'])
          .execute();
      },
    },
    // The escalation a finished job was done for, in one indexed read (src/store/migrations-escalations.ts).
    '0015-escalation-done-job': { up: escalationDoneJob },
    // Drift escalations under their site's key, and no burst of reminders for escalations already open.
    '0016-site-problems': { up: siteProblems },
    // Every name a resource answers to, indexed: a new site's name clash check without reading every site.
    '0017-resource-names': { up: (db) => resourceNames(db, dialect) },
    // A tenant's resources and server grants read by the tenant: a request in words read every site of the provider.
    '0018-resources-by-tenant': { up: resourcesByTenant },
    // The renewal schedule's due pages and next retry read by index (a million certificates across daemons).
    '0019-renewal-indexes': { up: renewalIndexes },
    // Renewal claims name their holder, so a dead daemon's are taken over at once (src/store/migrations-claims.ts).
    '0020-renewal-claims': { up: renewalClaims },
  };
}
