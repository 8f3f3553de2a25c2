import { sql, type Kysely } from 'kysely';

// The names a resource answers to: its own name, its data's `primary` and every string of its data's `aliases`
// (a vhost's names); both back ends' triggers below index these same three.
const SQLITE_REMEMBER = `INSERT OR IGNORE INTO resource_names (kind, name, resource)
  SELECT NEW.kind, NEW.name, NEW.name
  UNION SELECT NEW.kind, json_extract(NEW.data, '$.primary'), NEW.name WHERE json_type(NEW.data, '$.primary') = 'text'
  UNION SELECT NEW.kind, value, NEW.name FROM json_each(NEW.data, '$.aliases')
    WHERE type = 'text' AND json_type(NEW.data, '$.aliases') = 'array';`;

/**
 * 0017: every name a resource answers to in an indexed table (`resource_names`), kept by
 * triggers on `resources` in the same statement as the row (no write path can forget it, and
 * several daemons on one PostgreSQL see both or neither). A new site's name clash check was
 * a LIKE over every vhost's JSON (0.5 to 1 ms per check at 1,000 sites, twice per job); it is
 * now an index read. Existing rows are indexed by touching each once.
 */
export async function resourceNames(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await db.schema
    .createTable('resource_names')
    // SQLite runs a migration outside a transaction: one stopped half-way is run again whole.
    .ifNotExists()
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('resource_names_pk', ['kind', 'name', 'resource'])
    .execute();
  // The triggers forget a resource's names by its own name.
  await db.schema
    .createIndex('resource_names_resource')
    .ifNotExists()
    .on('resource_names')
    .columns(['kind', 'resource'])
    .execute();
  const forget = (row: 'OLD') => `DELETE FROM resource_names WHERE kind = ${row}.kind AND resource = ${row}.name;`;
  if (dialect === 'sqlite') {
    const triggers = [
      `CREATE TRIGGER IF NOT EXISTS resources_names_insert AFTER INSERT ON resources BEGIN ${SQLITE_REMEMBER} END`,
      `CREATE TRIGGER IF NOT EXISTS resources_names_update AFTER UPDATE ON resources BEGIN ${forget('OLD')} ${SQLITE_REMEMBER} END`,
      `CREATE TRIGGER IF NOT EXISTS resources_names_delete AFTER DELETE ON resources BEGIN ${forget('OLD')} END`,
    ];
    for (const t of triggers) await sql.raw(t).execute(db);
  } else {
    await sql
      .raw(
        `CREATE OR REPLACE FUNCTION serein_resource_names() RETURNS trigger AS $$
        DECLARE d jsonb;
        BEGIN
          IF TG_OP <> 'INSERT' THEN ${forget('OLD')} END IF;
          IF TG_OP <> 'DELETE' THEN
            d := NEW.data::jsonb;
            INSERT INTO resource_names (kind, name, resource)
              SELECT NEW.kind, n, NEW.name FROM (
                SELECT NEW.name AS n
                UNION SELECT d ->> 'primary' WHERE jsonb_typeof(d -> 'primary') = 'string'
                UNION SELECT a #>> '{}' FROM jsonb_array_elements(
                  CASE WHEN jsonb_typeof(d -> 'aliases') = 'array' THEN d -> 'aliases' ELSE '[]'::jsonb END
                ) AS a WHERE jsonb_typeof(a) = 'string'
              ) names
              ON CONFLICT DO NOTHING;
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql
      .raw(
        'CREATE TRIGGER resources_names AFTER INSERT OR UPDATE OR DELETE ON resources FOR EACH ROW EXECUTE FUNCTION serein_resource_names()',
      )
      .execute(db);
  }
  await sql`UPDATE resources SET data = data`.execute(db);
}
