/**
 * A segment worker process (forked by segment-run.ts): takes one `{ type: 'run' }` request over IPC, tracks that
 * range into its segment folder, reports progress and `{ type: 'done', meta }` (or `{ type: 'error' }`), and exits.
 *
 * It never outlives its parent: when the IPC channel closes before it has answered, or its parent process is gone
 * (checked twice a second, for a channel that did not report closing), it kills its own process group — itself and
 * its ffmpeg; the parent forks it as a group leader.
 */
import { EngineError } from '../errors.js';
import { processCpuSeconds, runSegmentRequest, type SegmentChildReply, type SegmentChildRequest } from './segment-run.js';

let answered = false;
const parent = process.ppid;

function orphaned(): void {
  if (answered) return;
  try {
    process.kill(-process.pid, 'SIGKILL'); // the group this child leads: itself and its ffmpeg
  } catch {
    process.exit(1); // not a group leader (forked by something else): at least this process goes
  }
}

function parentGone(): boolean {
  if (process.ppid !== parent) return true;
  try {
    process.kill(parent, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

process.once('disconnect', orphaned);
setInterval(() => {
  if (parentGone()) orphaned();
}, 500).unref();

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
      // The decoder's own words go to the log (this process's stderr is its parent's), never into the reply.
      if (err instanceof EngineError && err.detail !== undefined) process.stderr.write(`segment ${err.code}: ${err.detail}\n`);
      await send({
        type: 'error',
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof EngineError ? { code: err.code } : {}),
      });
    })
    .finally(() => {
      answered = true;
      process.disconnect?.();
    });
});
