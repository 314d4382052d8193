/**
 * Counts, dwell, occupancy and the heatmap of one job for the lines and zones drawn, from the footfall analytics
 * module (core/analytics) — the same code `people-pathing analyse` runs, so the console and the CLI agree. The
 * analysis is recomputed in the page whenever a shape changes (tens of milliseconds for thousands of detections).
 */
import { analyse, fromPersonDetection, HeatmapAccumulator, heatColor, parseZoneFile } from '../../core/analytics/index.js';
import type { Analysis, PersonSample, ZoneFile } from '../../core/analytics/index.js';
import { clock, download, duration, h } from './dom.js';
import type { EditableZones } from './editor.js';
import type { PersonDetectionJson, Tracks } from './tracks.js';

/** The CSVs of `people-pathing analyse --csv`. */
const CSV_FILES = ['crossings', 'visits', 'occupancy', 'buckets'] as const;

const ZONE_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#f0e442', '#000000'];

interface JobLike {
  JobId: string;
  Persons: PersonDetectionJson[];
  VideoMetadata?: { FrameWidth?: number; FrameHeight?: number; DurationMillis?: number };
  Video: { S3Object?: { Bucket?: string; Name?: string } };
}

export class AnalysisView {
  readonly element: HTMLElement;
  private readonly samples: PersonSample[];
  private analysis: Analysis | undefined;
  private zones: ZoneFile = { lines: [], zones: [] };
  private readonly counts = h('div', { id: 'counts' });
  private readonly chart = h('div', { className: 'chart', id: 'occupancy' });
  private readonly heat = h('canvas', { id: 'heatmap', role: 'img', 'aria-label': 'Heatmap: where people stood and walked, over a frame of the video' });
  private readonly error = h('p', { className: 'error', role: 'alert' });
  private readonly frame = new Image();
  private readonly exportState = h('p', { className: 'hint', role: 'status', id: 'export-state' });
  private readonly baseName: string;
  private readonly aspect: number | undefined;

  constructor(
    private readonly job: JobLike,
    private readonly tracks: Tracks,
    private readonly base: string,
    /** Saves the current shapes as the video's zone file. */
    private readonly save: () => Promise<unknown>,
  ) {
    this.samples = job.Persons.map((p) => fromPersonDetection(p)).filter((s): s is PersonSample => s !== undefined);
    this.baseName = (job.Video.S3Object?.Name ?? 'video').replace(/.*\//, '').replace(/\.[^.]*$/, '') || 'video';
    const W = job.VideoMetadata?.FrameWidth ?? 1280;
    const H = job.VideoMetadata?.FrameHeight ?? 720;
    this.aspect = job.VideoMetadata?.FrameWidth && job.VideoMetadata.FrameHeight ? W / H : undefined;
    this.heat.width = W;
    this.heat.height = H;
    this.frame.addEventListener('load', () => this.drawHeatmap());
    this.frame.src = `${base}/frame.png?t=${Math.round((job.VideoMetadata?.DurationMillis ?? 0) / 2)}`;
    const button = (id: string, text: string, onclick: () => void) => h('button', { type: 'button', id, onclick }, text);
    this.element = h(
      'section',
      { className: 'card', 'aria-labelledby': 'analysis-title' },
      h('h2', { id: 'analysis-title' }, 'Counts, dwell and occupancy'),
      this.error,
      this.counts,
      h('div', { className: 'grid2' },
        h('div', {}, h('h3', {}, 'Occupancy over time'), this.chart),
        h('div', { className: 'heat' }, h('h3', {}, 'Heatmap'), this.heat),
      ),
      h('h3', {}, 'Export'),
      h('div', { className: 'tools' },
        button('export-json', 'Analysis JSON', () => this.analysis && download(`${this.baseName}-analysis.json`, JSON.stringify(this.analysis, null, 2) + '\n', 'application/json')),
        button('export-zones', 'Zone file', () => download(`${this.baseName}-zones.json`, JSON.stringify(this.zones, null, 2) + '\n', 'application/json')),
        button('export-heatmap', 'Heatmap PNG', () => this.heat.toBlob((b) => b && download(`${this.baseName}-heatmap.png`, b, 'image/png'), 'image/png')),
        ...CSV_FILES.map((name) => button(`export-csv-${name}`, `${name}.csv`, () => void this.exportCsv(name))),
      ),
      this.exportState,
    );
  }

  /**
   * A CSV of the current shapes: they are saved as the video's zone file, then the server writes the CSV with the
   * CLI's own writer (`analyse --csv`) from that file, so the columns are those of the command line.
   */
  private async exportCsv(name: (typeof CSV_FILES)[number]): Promise<void> {
    try {
      await this.save();
    } catch (e) {
      this.exportState.textContent = `Not exported: ${(e as Error).message}`;
      return;
    }
    this.exportState.textContent = `${name}.csv from the saved zone file.`;
    const a = h('a', { href: `${this.base}/export/${name}.csv`, download: `${this.baseName}-${name}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
  }

  /** The analysis of the current shapes, or undefined before the first update. */
  current(): Analysis | undefined {
    return this.analysis;
  }

  zoneFile(): ZoneFile {
    return this.zones;
  }

  name(): string {
    return this.baseName;
  }

  update(shapes: EditableZones): void {
    if (!shapes.lines.length && !shapes.zones.length) {
      // Nothing to count yet: a hint, not an error.
      this.analysis = undefined;
      this.error.textContent = '';
      this.counts.replaceChildren(h('p', { className: 'muted' }, 'Draw a line or a zone above to see counts, dwell and occupancy.'));
      this.chart.replaceChildren();
      return;
    }
    try {
      this.zones = parseZoneFile(JSON.parse(JSON.stringify(shapes)) as unknown);
      this.error.textContent = '';
    } catch (e) {
      this.error.textContent = (e as Error).message;
      return;
    }
    // As `people-pathing analyse` does: distances in frame heights, from the video's aspect ratio.
    this.analysis = analyse(this.samples, this.zones, this.aspect ? { aspectRatio: this.aspect } : {});
    this.renderCounts();
    this.renderChart();
  }

  /** [zone name, total ms inside] for one person, from the analysis' visits. */
  timeInZones(index: number): [string, number][] {
    if (!this.analysis) return [];
    const out: [string, number][] = [];
    for (const z of this.analysis.Zones) {
      const ms = z.VisitList.filter((v) => v.Index === index).reduce((s, v) => s + (v.ExitTimestamp - v.EnterTimestamp), 0);
      if (z.VisitList.some((v) => v.Index === index)) out.push([z.Name, ms]);
    }
    return out;
  }

  private renderCounts(): void {
    const a = this.analysis!;
    const lineTable = a.Lines.length
      ? h('table', { id: 'line-counts' },
          h('caption', { className: 'visually-hidden' }, 'Crossings per line'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Line'), h('th', { scope: 'col', className: 'num' }, 'In'), h('th', { scope: 'col', className: 'num' }, 'Out'))),
          h('tbody', {}, ...a.Lines.map((l) => h('tr', { 'data-line': l.Name }, h('th', { scope: 'row' }, l.Name), h('td', { className: 'num', 'data-in': l.In }, l.In), h('td', { className: 'num', 'data-out': l.Out }, l.Out)))))
      : h('p', { className: 'muted' }, 'Draw a line to count the people crossing it.');
    const zoneTable = a.Zones.length
      ? h('table', { id: 'zone-counts' },
          h('caption', { className: 'visually-hidden' }, 'Visits and dwell per zone'),
          h('thead', {}, h('tr', {}, ...['Zone', 'Visits', 'Persons', 'Median dwell', 'P90 dwell', 'Mean dwell'].map((t, i) => h('th', { scope: 'col', className: i ? 'num' : '' }, t)))),
          h('tbody', {}, ...a.Zones.map((z) =>
            h('tr', { 'data-zone': z.Name },
              h('th', { scope: 'row' }, z.Name),
              h('td', { className: 'num', 'data-visits': z.Visits }, z.Visits),
              h('td', { className: 'num', 'data-persons': z.Persons }, z.Persons),
              h('td', { className: 'num' }, duration(z.DwellMillis.Median)),
              h('td', { className: 'num' }, duration(z.DwellMillis.P90)),
              h('td', { className: 'num' }, duration(z.DwellMillis.Mean))))))
      : h('p', { className: 'muted' }, 'Draw a zone to see visits, dwell and occupancy.');
    this.counts.replaceChildren(h('div', { className: 'grid2' }, lineTable, zoneTable));
  }

  /** Occupancy per zone as an SVG step chart, with a text summary for screen readers. */
  private renderChart(): void {
    const a = this.analysis!;
    const end = Math.max(1, this.job.VideoMetadata?.DurationMillis ?? 0, ...a.Zones.flatMap((z) => z.Occupancy.map((o) => o.Timestamp)));
    const max = Math.max(1, ...a.Zones.flatMap((z) => z.Occupancy.map((o) => o.Count)));
    const W = 600;
    const H = 200;
    const L = 36;
    const B = 24;
    const ns = 'http://www.w3.org/2000/svg';
    const el = (tag: string, attrs: Record<string, string | number>, text?: string) => {
      const e = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      if (text !== undefined) e.textContent = text;
      return e;
    };
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'occupancy-desc' });
    const x = (t: number) => L + ((W - L - 8) * t) / end;
    const y = (c: number) => H - B - ((H - B - 8) * c) / max;
    svg.append(el('line', { x1: L, y1: y(0), x2: W - 8, y2: y(0), stroke: '#59636e' }), el('line', { x1: L, y1: 8, x2: L, y2: y(0), stroke: '#59636e' }));
    for (let c = 0; c <= max; c += Math.max(1, Math.ceil(max / 4))) svg.append(el('text', { x: L - 6, y: y(c) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#1b1f24' }, String(c)));
    for (const t of [0, end / 2, end]) svg.append(el('text', { x: x(t), y: H - 6, 'text-anchor': 'middle', 'font-size': 11, fill: '#1b1f24' }, clock(t)));
    a.Zones.forEach((z, i) => {
      let d = `M${x(0)},${y(0)}`;
      let last = 0;
      for (const o of z.Occupancy) {
        d += ` H${x(o.Timestamp)} V${y(o.Count)}`;
        last = o.Count;
      }
      d += ` H${x(end)}`;
      void last;
      svg.append(el('path', { d, fill: 'none', stroke: ZONE_COLOURS[i % ZONE_COLOURS.length], 'stroke-width': 2 }));
    });
    const summary = a.Zones.length
      ? a.Zones.map((z) => `${z.Name}: at most ${Math.max(0, ...z.Occupancy.map((o) => o.Count))} at once`).join('; ')
      : 'No zones drawn.';
    this.chart.replaceChildren(
      svg,
      h('p', { id: 'occupancy-desc', className: 'hint' }, `Occupancy over time. ${summary}`),
      h('p', {}, ...a.Zones.map((z, i) => h('span', { style: 'margin-right:12px' }, h('span', { className: 'legend', style: `background:${ZONE_COLOURS[i % ZONE_COLOURS.length]}` }), z.Name))),
    );
  }

  /** The heatmap grid from the analytics module, painted over the frame. */
  private drawHeatmap(): void {
    const ctx = this.heat.getContext('2d')!;
    const { width: W, height: H } = this.heat;
    ctx.drawImage(this.frame, 0, 0, W, H);
    ctx.fillStyle = 'rgba(0,0,0,0.3)';
    ctx.fillRect(0, 0, W, H);
    // The grid `analyse --heatmap` uses: 320 columns, rows by the frame's aspect ratio.
    const cols = 320;
    const rows = Math.max(1, Math.round(cols / (this.aspect ?? 16 / 9)));
    const acc = new HeatmapAccumulator(cols, rows);
    for (const s of this.samples) acc.add(s);
    const grid = acc.grid();
    const cells = new ImageData(cols, rows);
    for (let i = 0; i < grid.length; i++) cells.data.set(heatColor(grid[i]), i * 4);
    const small = document.createElement('canvas');
    small.width = cols;
    small.height = rows;
    small.getContext('2d')!.putImageData(cells, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, W, H);
    void this.tracks;
  }
}

