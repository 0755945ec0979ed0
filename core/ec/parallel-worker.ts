/**
 * Worker side of EcWorkerPool: runs one codec call per message on shared-memory views.
 */
import { parentPort } from 'node:worker_threads';
import { codecFor } from './codec.ts';
import type { WorkerReply, WorkerTask } from './parallel.ts';

parentPort!.on('message', ({ id, task }: { id: number; task: WorkerTask }) => {
  let reply: WorkerReply = { id };
  try {
    const codec = codecFor(task.k, task.r);
    if (task.op === 'decode') codec.decodeStripes(task.present, task.fragments, task.out);
    else codec.encodeStripes(task.data, task.fragments);
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
