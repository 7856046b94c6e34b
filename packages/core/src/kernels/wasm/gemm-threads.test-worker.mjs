// Test helper for gemm-threads.test.ts (Node only, like every test file): a worker_threads entry that registers tsx
// in its thread (loader flags are not inherited by workers), loads gemm-threads.ts and passes the first message to
// runGemmWorker. apps/bench/src/gemm-worker-entry.mjs is the same thing for applications (through @lnlab/core).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runGemmWorker } = await import('./gemm-threads.ts');
parentPort.once('message', (init) => runGemmWorker(init));
