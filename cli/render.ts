/**
 * people-pathing render <video|sequence> --results results.json [--out annotated.mp4] [--paths paths.png] [--blur faces|persons]
 *
 * Draws GetPersonTracking results (from `track`, `get` or any deployment) onto the original frames.
 */
import { UsageError, command, requireReadable, stdio, type CommandIo } from './args.js';
import { createBlurrer, drawZones, loadResults, renderPaths, renderVideo, type BlurMode } from '../containers/tracker/src/render/index.js';
import { LiveCounter } from '../core/analytics/index.js';
import { analyseForRender } from './analyse.js';

const USAGE = `usage: people-pathing render <video file | MOT sequence folder> --results results.json [--out annotated.mp4] [--paths paths.png]
                             [--zones zones.json] [--blur faces|persons]

  --results FILE      GetPersonTracking JSON ({VideoMetadata, Persons}) from track, get or a deployment
  --out FILE          annotated video: each person's box, Index and last seconds of trail (H.264 MP4)
  --paths FILE        PNG: every path over one representative frame, with a legend (Index, first and last seen)
  --trail-seconds N   trail length in the video (default 2)
  --zones FILE        also draw these lines and zones (analyse's zone file) with running IN/OUT counts and occupancy
  --blur faces        blur every face (Person.Face from the results, else found by YuNet in each person's box)
  --blur persons      blur every person box (for sharing a video under privacy rules)
  --models-dir DIR    folder holding the face model (default $PEOPLE_PATHING_MODELS_DIR, else the model cache)
  --face-model PATH   YuNet face detector for --blur faces (default $PEOPLE_PATHING_FACE_MODEL, else the models folder)
At least one of --out and --paths is needed.
`;

export async function run(argv: string[], io: CommandIo = stdio): Promise<number> {
  const cmd = command('render', USAGE, io);
  const parsed = cmd.parse(
    argv,
    {
      results: { type: 'string' },
      out: { type: 'string' },
      paths: { type: 'string' },
      'trail-seconds': { type: 'string' },
      zones: { type: 'string' },
      blur: { type: 'string' },
      'models-dir': { type: 'string' },
      'face-model': { type: 'string' },
    },
    { positionals: true },
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length === 0 && !values.results && !values.out && !values.paths) return cmd.usageError();
  return cmd.run(async () => {
    if (positionals.length !== 1) throw new UsageError(`expected one video file or MOT sequence folder, got ${positionals.length}`);
    if (!values.results) throw new UsageError('--results FILE is required: the JSON `people-pathing track --out` or `people-pathing get --out` wrote');
    if (!values.out && !values.paths) throw new UsageError('say what to draw: --out annotated.mp4, --paths paths.png, or both');
    const trailSeconds = values['trail-seconds'] === undefined ? 2 : Number(values['trail-seconds']);
    if (!(trailSeconds >= 0)) throw new UsageError('--trail-seconds must be a number of seconds, 0 or more');
    if (values.blur !== undefined && values.blur !== 'faces' && values.blur !== 'persons') throw new UsageError('--blur must be faces or persons');
    const [input] = positionals as [string];
    await requireReadable(input, 'video or MOT sequence', 'give the video the results were tracked from', 'file or folder');
    await requireReadable(
      values.results,
      'results file',
      `make one with \`people-pathing track ${input} --out ${values.results}\` (or \`people-pathing get --job-id ID --out ${values.results}\`)`,
    );
    if (values.zones) await requireReadable(values.zones, 'zone file', 'draw one in the console, or write it as doc/analytics.md shows');
    return draw(input, values.results, values, trailSeconds, values.blur as BlurMode | undefined);
  });
}

async function draw(
  input: string,
  results: string,
  values: { out?: string; paths?: string; zones?: string; 'face-model'?: string; 'models-dir'?: string },
  trailSeconds: number,
  mode: BlurMode | undefined,
): Promise<number> {
  const samples = await loadResults(results);
  const counted = values.zones ? await analyseForRender(results, values.zones) : undefined;
  const live = counted && new LiveCounter(counted.analysis);
  const blur = mode ? await createBlurrer(mode, { faceModel: values['face-model'], modelsDir: values['models-dir'] }) : undefined;
  try {
    if (values.out) {
      const t0 = Date.now();
      const overlay =
        counted && live
          ? { overlay: (ctx: Parameters<typeof drawZones>[0], t: number, w: number, h: number, text: boolean) => drawZones(ctx, counted.zones, live.at(t), w, h, text) }
          : {};
      const r = await renderVideo(input, samples, values.out, { trailSeconds, blur, ...overlay });
      process.stderr.write(`wrote ${values.out}: ${r.frames} frames ${r.width}x${r.height} at ${r.rate} fps in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    if (values.paths) {
      const overlay =
        counted && live
          ? { overlay: (ctx: Parameters<typeof drawZones>[0], w: number, h: number, text: boolean) => drawZones(ctx, counted.zones, live.at(Infinity), w, h, text) }
          : {};
      const r = await renderPaths(input, samples, values.paths, { blur, ...overlay });
      process.stderr.write(`wrote ${values.paths}: ${r.persons} paths on ${r.width}x${r.height}\n`);
    }
    if (blur) process.stderr.write(`blurred ${blur.stats.regions} ${mode === 'faces' ? 'face' : 'person'} regions\n`);
  } finally {
    await blur?.release();
  }
  return 0;
}
