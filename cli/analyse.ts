/**
 * people-pathing analyse RESULTS --zones ZONES.json [--out analysis.json] [--csv DIR] [--heatmap heatmap.png --video VIDEO]
 *                          [--raw] [--anchor bottom|center] [--bucket-seconds N]
 * people-pathing analyse --job-id ID [--endpoint URL] --zones ZONES.json [...]
 *
 * Footfall from tracked persons: line crossings, zone visits, dwell, occupancy and time buckets (core/analytics,
 * the one implementation the browser console uses too), as JSON, CSVs and a heatmap picture.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { command, stdio, UsageError, type CommandIo } from './args.js';
import { FootfallAnalyser, HeatmapAccumulator, parseZoneFile, ZoneFileError, type Analysis, type ZoneFile } from '../core/analytics/index.js';
import { AWS_CLIENT_OPTIONS, AWS_CLIENT_USAGE, AwsSetupError, describeServiceError, rekognitionClient } from './aws-client-config.js';
import { readJob, readResultsFile, ResultsFormatError, type PersonSink, type ReadStats } from './analyse-input.js';
import { renderHeatmap } from '../containers/tracker/src/render/index.js';

const USAGE = `usage: people-pathing analyse RESULTS --zones ZONES.json [options]
       people-pathing analyse --job-id ID [--endpoint URL] --zones ZONES.json [options]

  RESULTS               GetPersonTracking JSON: track --out, get --out, a page saved from Rekognition, a JSON array of
                        pages, or pages as NDJSON
  --job-id ID           instead of RESULTS: page through GetPersonTracking of this job, on the endpoint below (local
                        mode, a deployment or Rekognition), with credentials found as \`get\` finds them:
${AWS_CLIENT_USAGE}
  --zones FILE          lines and zones: {"lines":[{"name","points":[[x1,y1],[x2,y2]]}],"zones":[{"name","points":[[x,y],...]}]}
                        in BoundingBox ratios (0-1, origin top-left)
  --out FILE            the analysis as JSON (default: standard output)
  --csv DIR             crossings.csv, visits.csv, occupancy.csv and buckets.csv in DIR
  --heatmap FILE        PNG of where people stood and walked, over a frame of --video
  --video FILE          the video (or MOT sequence folder) the results came from, for --heatmap
  --raw                 the plain rule on the boxes as they are (no smoothing, hysteresis or identity-break joining)
  --anchor A            bottom (default: the feet, bottom-centre of the box) or center
  --bucket-seconds N    width of the time buckets (default 60)
Guide: doc/analytics.md
`;

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csv = (header: string[], rows: (string | number)[][]): string => [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';

/** The CSVs: one row per crossing, per visit, per occupancy change and per (bucket, line or zone). */
export async function writeCsvs(dir: string, a: Analysis): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['crossings.csv', csv(['line', 'index', 'timestamp_ms', 'direction'], a.Lines.flatMap((l) => l.Crossings.map((c) => [l.Name, c.Index, c.Timestamp, c.Direction])))],
    ['visits.csv', csv(['zone', 'index', 'enter_ms', 'exit_ms', 'dwell_ms', 'censored'], a.Zones.flatMap((z) => z.VisitList.map((v) => [z.Name, v.Index, v.EnterTimestamp, v.ExitTimestamp, v.ExitTimestamp - v.EnterTimestamp, v.Censored ?? ''])))],
    ['occupancy.csv', csv(['zone', 'timestamp_ms', 'count'], a.Zones.flatMap((z) => z.Occupancy.map((o) => [z.Name, o.Timestamp, o.Count])))],
    ['buckets.csv', csv(['start_ms', 'end_ms', 'kind', 'name', 'in', 'out', 'visits', 'persons', 'max_occupancy'], a.Buckets.flatMap((b) => [
      ...b.Lines.map((l) => [b.Start, b.End, 'line', l.Name, l.In, l.Out, '', '', '']),
      ...b.Zones.map((z) => [b.Start, b.End, 'zone', z.Name, '', '', z.Visits, z.Persons, z.MaxOccupancy]),
    ]))],
  ];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

/** A zone file that cannot be used: one line that names the file and the field; exit 2. */
class BadZoneFile extends Error {}

/** Reads and validates a zone file. */
export async function loadZoneFile(path: string): Promise<ZoneFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new BadZoneFile(`cannot read the zone file ${path}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BadZoneFile(`${path} is not JSON (${(e as Error).message}); see doc/analytics.md for the zone file`);
  }
  try {
    return parseZoneFile(value);
  } catch (e) {
    if (e instanceof ZoneFileError) throw new BadZoneFile(`${path}: ${e.message}`);
    throw e;
  }
}

export async function run(argv: string[], io: CommandIo = stdio): Promise<number> {
  const cmd = command('analyse', USAGE, io);
  const parsed = cmd.parse(
    argv,
    {
      zones: { type: 'string' },
      out: { type: 'string' },
      csv: { type: 'string' },
      heatmap: { type: 'string' },
      video: { type: 'string' },
      raw: { type: 'boolean' },
      anchor: { type: 'string' },
      'bucket-seconds': { type: 'string' },
      'job-id': { type: 'string' },
      ...AWS_CLIENT_OPTIONS,
    },
    { positionals: true },
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  return cmd.run(async () => {
    const fromJob = values['job-id'] !== undefined;
    if (fromJob ? positionals.length !== 0 || !values['job-id'] : positionals.length !== 1) {
      throw new UsageError('give one RESULTS file, or --job-id ID (with --endpoint URL or AWS_ENDPOINT_URL_REKOGNITION)');
    }
    if (!values.zones) throw new UsageError('--zones ZONES.json is required');
    if (values.heatmap && !values.video) throw new UsageError('--heatmap needs --video, the video the results came from');
    const anchor = values.anchor ?? 'bottom';
    if (anchor !== 'bottom' && anchor !== 'center') throw new UsageError('--anchor must be bottom or center');
    const bucketSeconds = values['bucket-seconds'] === undefined ? 60 : Number(values['bucket-seconds']);
    if (!(bucketSeconds > 0 && Number.isFinite(bucketSeconds))) throw new UsageError('--bucket-seconds must be a positive number');
    let job: Awaited<ReturnType<typeof rekognitionClient>> | undefined;
    if (fromJob) {
      try {
        job = await rekognitionClient(values);
      } catch (err) {
        if (!(err instanceof AwsSetupError)) throw err;
        cmd.io.err(`people-pathing analyse: ${err.message}\n`);
        return 1;
      }
    }
    let zones: ZoneFile;
    try {
      zones = await loadZoneFile(values.zones);
    } catch (e) {
      if (!(e instanceof BadZoneFile)) throw e;
      cmd.io.err(`people-pathing analyse: ${e.message}\n`);
      return 2;
    }

    const HEAT_COLS = 320;
    const options = { raw: values.raw === true, anchor, bucketSeconds } as const;
    let analyser = new FootfallAnalyser(zones, options);
    let heat: HeatmapAccumulator | undefined;
    const sink: PersonSink = {
      start(meta) {
        // Distances (margins, joining) are measured in frame heights: the frame's aspect ratio when the results say it.
        const aspect = meta?.FrameWidth && meta.FrameHeight ? meta.FrameWidth / meta.FrameHeight : undefined;
        if (aspect) analyser = new FootfallAnalyser(zones, { ...options, aspectRatio: aspect });
        if (values.heatmap) heat = new HeatmapAccumulator(HEAT_COLS, Math.max(1, Math.round(HEAT_COLS / (aspect ?? 16 / 9))), anchor);
      },
      person(s) {
        analyser.add(s);
        heat?.add(s);
      },
    };
    let stats: ReadStats;
    try {
      stats = job ? await readJob(job.client, values['job-id'] as string, sink) : await readResultsFile(positionals[0], sink);
    } catch (e) {
      if (e instanceof ResultsFormatError) {
        cmd.io.err(`people-pathing analyse: ${e.message}\n`);
        return 1;
      }
      if (job) {
        cmd.io.err(`people-pathing analyse: ${describeServiceError(e, job.endpoint)}\n`);
        return 1;
      }
      throw e;
    }
    const analysis = analyser.finish();
    const json = JSON.stringify(analysis, null, 2) + '\n';
    if (values.out) await writeFile(values.out, json);
    else cmd.io.out(json);
    const summary = [
      `people-pathing analyse: ${stats.detections} detections of ${analysis.Tracks} Index values${stats.unusable ? ` (${stats.unusable} without a box, skipped)` : ''}, ${analysis.Options.Raw ? 'raw rule' : 'default rule'}`,
      ...analysis.Lines.map((l) => `  line ${l.Name}: IN ${l.In}  OUT ${l.Out}`),
      ...analysis.Zones.map((z) => `  zone ${z.Name}: ${z.Visits} visits by ${z.Persons} persons, median dwell ${(z.DwellMillis.Median / 1000).toFixed(1)} s, peak occupancy ${Math.max(0, ...z.Occupancy.map((o) => o.Count))}`),
    ];
    if (values.out) summary.push(`  wrote ${values.out}`);
    if (values.csv) summary.push(...(await writeCsvs(values.csv, analysis)).map((f) => `  wrote ${f}`));
    if (values.heatmap && heat) {
      const r = await renderHeatmap(values.video as string, heat.grid(), heat.cols, heat.rows, values.heatmap);
      summary.push(`  wrote ${values.heatmap} (${r.width}x${r.height}, ${heat.samples} positions)`);
    }
    cmd.io.err(summary.join('\n') + '\n');
    return 0;
  });
}

/**
 * For `render --zones`: the zone file, and the analysis of a results file under the default rule, read as `analyse`
 * reads it. A bad zone file throws UsageError (one line naming the field).
 */
export async function analyseForRender(resultsPath: string, zonesPath: string): Promise<{ zones: ZoneFile; analysis: Analysis }> {
  let zones: ZoneFile;
  try {
    zones = await loadZoneFile(zonesPath);
  } catch (e) {
    if (e instanceof BadZoneFile) throw new UsageError(e.message);
    throw e;
  }
  let analyser = new FootfallAnalyser(zones);
  await readResultsFile(resultsPath, {
    start(meta) {
      if (meta?.FrameWidth && meta.FrameHeight) analyser = new FootfallAnalyser(zones, { aspectRatio: meta.FrameWidth / meta.FrameHeight });
    },
    person: (s) => analyser.add(s),
  });
  return { zones, analysis: analyser.finish() };
}
