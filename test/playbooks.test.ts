import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinActions } from '../src/actions/index.js';
import { loadPlaybooks, playbookJsonSchema } from '../src/engine/playbook.js';
import { YamlFileError } from '../src/yaml-file.js';

const actions = new Map(builtinActions.map((a) => [a.name, a]));
const root = resolve(import.meta.dirname, '..');

describe('playbook files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'serein-pb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const load = (name: string, text: string) => {
    const sub = mkdtempSync(join(dir, 'case-'));
    writeFileSync(join(sub, `${name}.yaml`), text);
    try {
      loadPlaybooks(sub, actions);
      return undefined;
    } catch (err) {
      return err as YamlFileError;
    }
  };

  const valid = `name: demo.op
title: { en: Demo, fr: Démo }
description: { en: Demo., fr: Démo. }
allowed: [admin]
steps:
  - id: one
    action: program.run
    with: { target: local, argv: ["true"] }
`;

  it('every shipped playbook loads', () => {
    expect(() => loadPlaybooks(join(root, 'playbooks'), actions)).not.toThrow();
  });

  it('names the file, line and field of a schema error', () => {
    const err = load('demo.op', valid.replace('allowed: [admin]', 'allowed: [root]'));
    expect(err).toBeInstanceOf(YamlFileError);
    expect(err!.message).toMatch(/demo\.op\.yaml:4:\d+: allowed\.0: /);
  });

  it('names the line of an unknown action and of an unknown parameter', () => {
    const err = load(
      'demo.op',
      `${valid}  - id: two\n    action: file.explode\n    with: {}\n  - id: three\n    action: program.run\n    with: { target: local, argv: ["x"], shell: true }\n`,
    );
    expect(err!.message).toMatch(/demo\.op\.yaml:10:\d+: steps\.1\.action: unknown action "file\.explode"/);
    expect(err!.message).toMatch(
      /demo\.op\.yaml:1[34]:\d+: steps\.2\.with\.shell: "program\.run" has no parameter "shell"/,
    );
  });

  it('refuses a name that does not match the file and a step id used twice', () => {
    const err = load(
      'other.op',
      `${valid}  - id: one\n    action: program.run\n    with: { target: local, argv: ["true"] }\n`,
    );
    expect(err!.message).toContain('name: must be "other.op"');
    expect(err!.message).toContain('step id "one" is used twice');
  });

  it('every shipped operation a client may run speaks to clients in plain words, in both languages', () => {
    const jargon =
      /utf8|<\w+>|vhost|nginx|\bACME\b|\bDNS\b|\bA{1,4} record|\bCAA\b|\bTXT\b|\bCNAME\b|certificate authority|autorité de certification|web root|racine web|\[\]|dry run|essai à blanc|\btrue\b/i;
    const nbsp = (text: string) => expect(text, text).not.toMatch(/ [:;?!»]|« /); // French: a non-breaking space before : ; ? ! and inside « »
    for (const pb of loadPlaybooks(join(root, 'playbooks'), actions).values()) {
      if (!pb.allowed.includes('client')) continue;
      expect(pb.client, `${pb.name} has a client text`).toBeDefined();
      for (const text of [pb.client!.en, pb.client!.fr]) expect(text, `${pb.name}: ${text}`).not.toMatch(jargon);
      nbsp(pb.client!.fr);
      for (const [key, spec] of Object.entries(pb.inputs)) {
        if (spec.admin || !spec.client) continue;
        // The values a client picks from are named as they are (http-01, dns-01); the rest is plain.
        const values = 'values' in spec ? (spec.values as string[]) : [];
        for (const text of [spec.client.en, spec.client.fr])
          expect(
            values.reduce((t, v) => t.replaceAll(v, ''), text),
            `${pb.name}.${key}: ${text}`,
          ).not.toMatch(jargon);
        nbsp(spec.client.fr);
      }
    }
  });

  it('a client text is optional and checked like the others', () => {
    expect(load('demo.op', valid.replace('allowed:', 'client: { en: Plain., fr: Simple. }\nallowed:'))).toBeUndefined();
    expect(load('demo.op', valid.replace('allowed:', 'client: { en: Plain. }\nallowed:'))?.message).toContain(
      'client.fr',
    );
  });

  it('ships an up-to-date JSON Schema for editors', () => {
    const shipped = JSON.parse(readFileSync(join(root, 'playbooks/playbook.schema.json'), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(playbookJsonSchema(builtinActions.map((a) => a.name)))));
  });
});
