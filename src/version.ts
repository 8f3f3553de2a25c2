import { readFileSync } from 'node:fs';

/**
 * serein's version, read from its package.json: `serein --version` and the API's
 * OpenAPI document say the version installed, never a copy that was not updated.
 */
export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
