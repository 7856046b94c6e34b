// A sweep worker thread: trains the runs the parent sends, one at a time, reporting progress and summaries.
import { parentPort } from 'node:worker_threads';
import type { RunConfig } from './config';
import { runTraining } from './train';

export interface WorkerJob {
  index: number;
  config: RunConfig;
  dir: string;
}

export type WorkerMessage =
  | { type: 'progress'; index: number; step: number; steps: number; loss: number; evalAccuracy: number | null }
  | { type: 'done'; index: number; summary: ReturnType<typeof runTraining> }
  | { type: 'error'; index: number; message: string };

const port = parentPort;
if (port) {
  port.on('message', (job: WorkerJob) => {
    try {
      let last = 0;
      const summary = runTraining(job.config, {
        dir: job.dir,
        onProgress: (p) => {
          const now = Date.now();
          if (now - last < 250 && p.step < p.steps) return;
          last = now;
          port.postMessage({ type: 'progress', index: job.index, ...p } satisfies WorkerMessage);
        },
      });
      port.postMessage({ type: 'done', index: job.index, summary } satisfies WorkerMessage);
    } catch (e) {
      port.postMessage({ type: 'error', index: job.index, message: (e as Error).stack ?? String(e) } satisfies WorkerMessage);
    }
  });
}
