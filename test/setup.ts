import { afterAll } from 'vitest';
import { killChildren } from './helpers/process.js';
import { removeTempDirs } from './helpers/tmp.js';

// Every test file leaves no process and no temporary folder behind, even when a test failed halfway.
afterAll(() => {
  killChildren();
  removeTempDirs();
});
