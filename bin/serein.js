#!/usr/bin/env node
// serein runs from its TypeScript sources: tsx compiles them on the fly, no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
