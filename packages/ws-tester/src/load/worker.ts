// Worker-thread entry of the load driver: runs one share of the connections and reports back.
import { parentPort, workerData } from 'node:worker_threads';
import { type DriverCounts, type DriverPlan, driveConnections } from './driver.js';
import { initHistograms } from './histogram.js';

/** Messages a load worker posts to its parent. */
export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; counts: DriverCounts }
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; message: string };

const port = parentPort;
if (port && workerData && (workerData as { tradekitLoadWorker?: unknown }).tradekitLoadWorker === true) {
  port.once('message', (plan: DriverPlan) => {
    driveConnections(plan, (counts) => port.postMessage({ kind: 'progress', counts } satisfies WorkerMessage)).then(
      (result) => {
        port.postMessage({ kind: 'result', result } satisfies WorkerMessage);
        port.close();
      },
      (err: unknown) =>
        port.postMessage({
          kind: 'error',
          message: err instanceof Error ? (err.stack ?? err.message) : String(err),
        } satisfies WorkerMessage),
    );
  });
  // Loading the histogram engine before "ready" keeps it out of the measured run.
  void initHistograms().then(() => port.postMessage({ kind: 'ready' } satisfies WorkerMessage));
}
