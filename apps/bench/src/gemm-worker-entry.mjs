// Worker-thread entry of the threaded GEMM (see gemm-threads-node.ts): registers tsx in this thread (loader flags
// are not inherited by workers on Node 20), loads @lnlab/core's TypeScript sources and hands the first message to
// core's runGemmWorker, which instantiates the shared module and then serves products, blocked in Atomics.wait
// between them, until the main thread tells it to exit.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runGemmWorker } = await import('@lnlab/core');
parentPort.once('message', (init) => runGemmWorker(init));
