import type { Engine } from '../engine/engine.js';
import type { InputSpec } from '../engine/inputs.js';
import type { Playbook } from '../engine/playbook.js';
import { inputTypeOf } from '../resources/index.js';

/** What one input's value looks like, as JSON Schema, from its playbook declaration (the same the engine validates with). */
export function inputJsonSchema(spec: InputSpec): Record<string, unknown> {
  const s = spec as InputSpec & Record<string, unknown>;
  const base: Record<string, unknown> = {
    ...(spec.description ? { description: spec.description.en } : {}),
    ...(spec.default !== undefined ? { default: spec.default } : {}),
    ...(spec.owned ? { 'x-serein-owned': true } : {}),
    ...(spec.admin ? { 'x-serein-admin-only': true } : {}),
    // A client must send here the same value as the input named (the typed name of what a removal takes away).
    ...(spec.confirms ? { 'x-serein-confirms': spec.confirms } : {}),
  };
  switch (spec.type) {
    case 'identifier':
      return { ...base, type: 'string', pattern: s.pattern };
    case 'enum':
      return { ...base, type: 'string', enum: s.values };
    case 'integer':
      // Text of digits is taken too (the CLI and forms send text).
      return {
        ...base,
        type: ['integer', 'string'],
        ...(s.min !== undefined ? { minimum: s.min } : {}),
        ...(s.max !== undefined ? { maximum: s.max } : {}),
      };
    case 'boolean':
      return { ...base, oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false', 'yes', 'no'] }] };
    case 'string':
      return { ...base, type: 'string', pattern: s.pattern, maxLength: s.maxLength };
    case 'path':
      return { ...base, type: 'string', pattern: '^/[A-Za-z0-9._/-]*$', maxLength: 1024 };
    case 'url':
      return {
        ...base,
        type: 'string',
        format: 'uri',
        description: `${spec.description?.en ?? 'An address'} (${(s.schemes as string[]).join(' or ')})`,
      };
    default: {
      // A resource kind's type (domain, webserver, a plug-in's mailbox...): the kind says, else text.
      const own = inputTypeOf(spec.type)?.input.jsonSchema?.(s);
      return { ...base, ...(own ?? { type: 'string' }), 'x-serein-input-type': spec.type };
    }
  }
}

/** The body of POST /v1/jobs for one playbook: its name, its inputs (admins-only ones marked), the common options. */
export function playbookRequestSchema(pb: Playbook): Record<string, unknown> {
  const inputs = Object.entries(pb.inputs);
  return {
    type: 'object',
    title: pb.title.en,
    description: `${pb.description.en} Who may run it: ${pb.allowed.join(', ')}.`,
    properties: {
      playbook: { const: pb.name },
      inputs: {
        type: 'object',
        properties: Object.fromEntries(inputs.map(([k, spec]) => [k, inputJsonSchema(spec)])),
        required: inputs.filter(([, spec]) => spec.required !== false && spec.default === undefined).map(([k]) => k),
        additionalProperties: false,
      },
      dryRun: { type: 'boolean', default: false, description: 'A check only: the plan, nothing changed' },
      idempotencyKey: { type: 'string', minLength: 1, maxLength: 200 },
    },
    required: ['playbook'],
    additionalProperties: false,
    ...(pb.allowed.includes('client') ? {} : { 'x-serein-admin-only': true }),
  };
}

/** One documented schema per playbook the daemon loaded, named by it (`JobRequest.vhost.create`). */
export function playbookRequestSchemas(engine: Engine): Record<string, object> {
  return Object.fromEntries(
    [...engine.playbooks.values()].map((pb) => [`JobRequest.${pb.name}`, playbookRequestSchema(pb)]),
  );
}
