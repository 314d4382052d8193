/**
 * people-pathing render <video|sequence> --results results.json [--out annotated.mp4] [--paths paths.png]
 *
 * Draws GetPersonTracking results (from `track`, `get` or any deployment) onto the original frames.
 */
import { command } from './args.js';
import { drawZones, loadResults, renderPaths, renderVideo } from '../containers/tracker/src/render/index.js';
import { LiveCounter } from '../core/analytics/index.js';
import { analyseForRender } from './analyse.js';

const USAGE = `usage: people-pathing render <video file | MOT sequence folder> --results results.json [--out annotated.mp4] [--paths paths.png]

  --results FILE      GetPersonTracking JSON ({VideoMetadata, Persons}) from track, get or a deployment
  --out FILE          annotated video: each person's box, Index and last seconds of trail (H.264 MP4)
  --paths FILE        PNG: every path over one representative frame, with a legend (Index, first and last seen)
  --trail-seconds N   trail length in the video (default 2)
  --zones FILE        also draw these lines and zones (analyse's zone file) with running IN/OUT counts and occupancy
At least one of --out and --paths is needed.
`;

export async function run(argv: string[]): Promise<number> {
  const cmd = command('render', USAGE);
  const parsed = cmd.parse(
    argv,
    { results: { type: 'string' }, out: { type: 'string' }, paths: { type: 'string' }, 'trail-seconds': { type: 'string' }, zones: { type: 'string' } },
    { positionals: true },
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const trailSeconds = values['trail-seconds'] === undefined ? 2 : Number(values['trail-seconds']);
  if (positionals.length !== 1 || !values.results || (!values.out && !values.paths) || !(trailSeconds >= 0)) return cmd.usageError();
  const [input] = positionals;
  return cmd.run(async () => {
    const samples = await loadResults(values.results as string);
    const counted = values.zones ? await analyseForRender(values.results as string, values.zones) : undefined;
    const live = counted && new LiveCounter(counted.analysis);
    if (values.out) {
      const t0 = Date.now();
      const overlay = counted && live ? { overlay: (ctx: Parameters<typeof drawZones>[0], t: number, w: number, h: number, text: boolean) => drawZones(ctx, counted.zones, live.at(t), w, h, text) } : {};
      const r = await renderVideo(input, samples, values.out, { trailSeconds, ...overlay });
      process.stderr.write(`wrote ${values.out}: ${r.frames} frames ${r.width}x${r.height} at ${r.rate} fps in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    if (values.paths) {
      const overlay = counted && live ? { overlay: (ctx: Parameters<typeof drawZones>[0], w: number, h: number, text: boolean) => drawZones(ctx, counted.zones, live.at(Infinity), w, h, text) } : {};
      const r = await renderPaths(input, samples, values.paths, overlay);
      process.stderr.write(`wrote ${values.paths}: ${r.persons} paths on ${r.width}x${r.height}\n`);
    }
    return 0;
  });
}
