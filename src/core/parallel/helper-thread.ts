// The helper thread of split-rows.ts: takes chunks of a job's rows until none is left, then posts
// their results and wakes the request thread.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { CTRL_NEXT, CTRL_STATE, STATE_DONE, STATE_POSTED, STATE_TAKEN, type HelperJob, type HelperReply } from './helper-protocol.js';
import { ROW_KERNELS } from './kernels.js';

function work(port: MessagePort, job: HelperJob): void {
  const { ctrl } = job;
  if (Atomics.compareExchange(ctrl, CTRL_STATE, STATE_POSTED, STATE_TAKEN) !== STATE_POSTED) return;
  const reply: HelperReply = { id: job.id, parts: [] };
  try {
    const kernel = ROW_KERNELS.get(job.kernel);
    if (!kernel) throw new Error(`unknown kernel ${job.kernel}`);
    const chunks = Math.ceil(job.rows / job.chunkRows);
    for (let c = Atomics.add(ctrl, CTRL_NEXT, 1); c < chunks; c = Atomics.add(ctrl, CTRL_NEXT, 1)) {
      reply.parts.push([c, kernel.run(job.args, c * job.chunkRows, Math.min(job.rows, (c + 1) * job.chunkRows))]);
    }
  } catch {
    // The chunk that failed is not in the reply: the request thread redoes it and meets the error itself.
  }
  port.postMessage(reply);
  Atomics.store(ctrl, CTRL_STATE, STATE_DONE);
  Atomics.notify(ctrl, CTRL_STATE);
}

parentPort!.once('message', ({ port }: { port: MessagePort }) => {
  port.on('message', (job: HelperJob) => work(port, job));
});
