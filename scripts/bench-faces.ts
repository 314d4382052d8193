/**
 * Face detector cost per analysed frame (tsx scripts/bench-faces.ts [--mode crops|frame] [inputs...]).
 *
 * Runs the real engine (person detector + tracker) with the YuNet FaceAttacher on each input and times every
 * attach() call: the face cost of one output sample (crop sampling, YuNet runs, decoding, pose and quality).
 * Prints one JSON object: per input the samples, people and faces per sample, and the median / p90 milliseconds per
 * sample, plus the engine's wall time with faces. Inputs default to the shared TUD-Campus sequence, the 1080p
 * mmtracking clip (≈45 people a frame) and the 720p top-down clip.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createFaceAttacher, resolveFaceModel } from '../containers/tracker/src/faces/attach.js';
import { trackToResults } from '../containers/tracker/src/index.js';
import type { FaceAttacher } from '../containers/tracker/src/faces/types.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { mode: { type: 'string', default: 'crops' } } });
const mode = values.mode === 'frame' ? 'frame' : 'crops';
const data = process.env.PEOPLE_PATHING_DATA_DIR ?? resolve(process.cwd(), '..', 'shared', 'data');
const inputs = positionals.length
  ? positionals
  : [join(data, 'mot', 'TUD-Campus'), join(data, 'videos', 'mmtracking_demo_8frames_1080p.mp4'), join(data, 'videos', 'pedestrians_topdown_720p_vtest.avi')];

const quantile = (xs: number[], q: number): number => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const results: Record<string, unknown>[] = [];
for (const input of inputs) {
  const faceModel = await resolveFaceModel();
  if (!faceModel) throw new Error('no face model in PEOPLE_PATHING_MODELS_DIR');
  const attacher = await createFaceAttacher(faceModel, { mode });
  const times: number[] = [];
  let people = 0;
  let faces = 0;
  const timed: FaceAttacher = {
    async attach(frame, source, persons) {
      const t0 = performance.now();
      const out = await attacher.attach(frame, source, persons);
      times.push(performance.now() - t0);
      people += persons.length;
      faces += out.size;
      return out;
    },
  };
  const dir = await mkdtemp(join(tmpdir(), 'pp-bench-faces-'));
  const t0 = performance.now();
  try {
    await trackToResults(input, dir, { faces: timed, hwaccel: 'none' });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await attacher.release();
  }
  results.push({
    input: input.replace(data, '$DATA'),
    mode,
    samples: times.length,
    peoplePerSample: +(people / Math.max(1, times.length)).toFixed(1),
    facesPerSample: +(faces / Math.max(1, times.length)).toFixed(2),
    faceMsPerSampleMedian: +quantile(times, 0.5).toFixed(2),
    faceMsPerSampleP90: +quantile(times, 0.9).toFixed(2),
    yunetRunsPerSample: +(attacher.stats.detectorRuns / Math.max(1, attacher.stats.calls)).toFixed(2),
    engineWallSec: +((performance.now() - t0) / 1000).toFixed(2),
  });
}
process.stdout.write(JSON.stringify({ machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, node: process.version, results }, null, 2) + '\n');
