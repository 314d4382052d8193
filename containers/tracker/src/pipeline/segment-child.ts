/**
 * A segment worker process (forked by segment-run.ts): takes one `{ type: 'run' }` request over IPC, tracks that
 * range into its segment folder, reports progress and `{ type: 'done', meta }` (or `{ type: 'error' }`), and exits.
 */
import { EngineError } from '../errors.js';
import { processCpuSeconds, runSegmentRequest, type SegmentChildReply, type SegmentChildRequest } from './segment-run.js';

function send(m: SegmentChildReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(m, undefined, {}, () => resolve());
  });
}

process.once('message', (req: SegmentChildRequest) => {
  let last = 0;
  runSegmentRequest(req, (frames) => {
    const now = performance.now();
    if (now - last > 250) {
      last = now;
      void send({ type: 'progress', frames });
    }
  })
    .then(async (meta) => {
      await send({ type: 'progress', frames: meta.samples });
      // The whole process's CPU time (start-up and model loading included), which a segmented run pays per segment.
      await send({ type: 'done', meta: { ...meta, cpuSec: processCpuSeconds() } });
    })
    .catch(async (err: unknown) => {
      await send({
        type: 'error',
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof EngineError ? { code: err.code } : {}),
      });
    })
    .finally(() => process.disconnect?.());
});
