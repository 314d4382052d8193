/**
 * people-pathing render <video|sequence> --results results.json [--out annotated.mp4] [--paths paths.png] [--blur faces|persons]
 *
 * Draws GetPersonTracking results (from `track`, `get` or any deployment) onto the original frames.
 */
import { command } from './args.js';
import { createBlurrer, loadResults, renderPaths, renderVideo, type BlurMode } from '../containers/tracker/src/render/index.js';

const USAGE = `usage: people-pathing render <video file | MOT sequence folder> --results results.json [--out annotated.mp4] [--paths paths.png]
                             [--blur faces|persons]

  --results FILE      GetPersonTracking JSON ({VideoMetadata, Persons}) from track, get or a deployment
  --out FILE          annotated video: each person's box, Index and last seconds of trail (H.264 MP4)
  --paths FILE        PNG: every path over one representative frame, with a legend (Index, first and last seen)
  --trail-seconds N   trail length in the video (default 2)
  --blur faces        blur every face (Person.Face from the results, else found by YuNet in each person's box)
  --blur persons      blur every person box (for sharing a video under privacy rules)
  --models-dir DIR    folder holding the face model (default $PEOPLE_PATHING_MODELS_DIR, else the model cache)
  --face-model PATH   YuNet face detector for --blur faces (default $PEOPLE_PATHING_FACE_MODEL, else the models folder)
At least one of --out and --paths is needed.
`;

export async function run(argv: string[]): Promise<number> {
  const cmd = command('render', USAGE);
  const parsed = cmd.parse(
    argv,
    {
      results: { type: 'string' },
      out: { type: 'string' },
      paths: { type: 'string' },
      'trail-seconds': { type: 'string' },
      blur: { type: 'string' },
      'models-dir': { type: 'string' },
      'face-model': { type: 'string' },
    },
    { positionals: true },
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const trailSeconds = values['trail-seconds'] === undefined ? 2 : Number(values['trail-seconds']);
  if (positionals.length !== 1 || !values.results || (!values.out && !values.paths) || !(trailSeconds >= 0)) return cmd.usageError();
  if (values.blur !== undefined && values.blur !== 'faces' && values.blur !== 'persons') return cmd.usageError();
  const [input] = positionals;
  const samples = await loadResults(values.results);
  const mode = values.blur as BlurMode | undefined;
  const blur = mode ? await createBlurrer(mode, { faceModel: values['face-model'], modelsDir: values['models-dir'] }) : undefined;
  try {
    if (values.out) {
      const t0 = Date.now();
      const r = await renderVideo(input, samples, values.out, { trailSeconds, blur });
      process.stderr.write(`wrote ${values.out}: ${r.frames} frames ${r.width}x${r.height} at ${r.rate} fps in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    if (values.paths) {
      const r = await renderPaths(input, samples, values.paths, { blur });
      process.stderr.write(`wrote ${values.paths}: ${r.persons} paths on ${r.width}x${r.height}\n`);
    }
    if (blur) process.stderr.write(`blurred ${blur.stats.regions} ${mode === 'faces' ? 'face' : 'person'} regions\n`);
  } finally {
    await blur?.release();
  }
  return 0;
}
