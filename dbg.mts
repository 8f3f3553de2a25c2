import { Store } from './src/store/store.js';
let t = performance.now();
const s = await Store.open({ driver: 'sqlite', path: '/tmp/dbgx/serein.db' });
console.log('open', performance.now() - t); t = performance.now();
await s.jobs.list();
await s.close(); console.log('close', performance.now() - t);
