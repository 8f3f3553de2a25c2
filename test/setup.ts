import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/tmp.js';

// Every test file leaves no temporary folder behind, even when a test failed halfway.
afterAll(removeTempDirs);
