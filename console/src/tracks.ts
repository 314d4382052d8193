/**
 * A job's persons as per-person tracks, for drawing over the video: each person's samples sorted by time in flat
 * typed arrays, so the boxes at a time t are a binary search per person (40 people: a few microseconds).
 */
export interface Box {
  Left: number;
  Top: number;
  Width: number;
  Height: number;
}

export interface PersonDetectionJson {
  Timestamp: number;
  Person: { Index: number; BoundingBox?: Box };
}

export interface Track {
  index: number;
  /** Sample times (ms), ascending. */
  ts: Float64Array;
  /** left, top, width, height (ratios) per sample. */
  box: Float32Array;
  first: number;
  last: number;
}

export interface PlacedBox {
  index: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

export class Tracks {
  readonly tracks: Track[];
  /** Usual time between two samples of one person: a person is drawn up to this long past its last sample. */
  readonly cadenceMs: number;

  constructor(persons: readonly PersonDetectionJson[]) {
    const byIndex = new Map<number, PersonDetectionJson[]>();
    for (const p of persons) {
      if (!p.Person?.BoundingBox) continue;
      let list = byIndex.get(p.Person.Index);
      if (!list) byIndex.set(p.Person.Index, (list = []));
      list.push(p);
    }
    const gaps: number[] = [];
    this.tracks = [...byIndex.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, list]) => {
        list.sort((a, b) => a.Timestamp - b.Timestamp);
        const ts = new Float64Array(list.length);
        const box = new Float32Array(list.length * 4);
        list.forEach((p, i) => {
          const b = p.Person.BoundingBox!;
          ts[i] = p.Timestamp;
          box.set([b.Left, b.Top, b.Width, b.Height], i * 4);
          if (i > 0 && gaps.length < 5000) gaps.push(ts[i] - ts[i - 1]);
        });
        return { index, ts, box, first: ts[0], last: ts[ts.length - 1] };
      });
    gaps.sort((a, b) => a - b);
    this.cadenceMs = gaps.length ? Math.max(1, gaps[Math.floor(gaps.length / 2)]) : 200;
  }

  /** Position of the last sample at or before t, or -1. */
  static before(track: Track, t: number): number {
    let lo = 0;
    let hi = track.ts.length - 1;
    if (t < track.ts[0]) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (track.ts[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The boxes at time t (ms): a person between two samples not further apart than 3 cadences is interpolated; past
   * its last sample it stays for one cadence (the frame the sample stands for), then disappears.
   */
  at(t: number, out: PlacedBox[] = []): PlacedBox[] {
    out.length = 0;
    const hold = this.cadenceMs;
    for (const tr of this.tracks) {
      if (t < tr.first - 0.5 || t > tr.last + hold) continue;
      const i = Tracks.before(tr, t + 0.5);
      if (i < 0) continue;
      const b = tr.box;
      let l = b[i * 4], tp = b[i * 4 + 1], w = b[i * 4 + 2], h = b[i * 4 + 3];
      if (i + 1 < tr.ts.length) {
        const gap = tr.ts[i + 1] - tr.ts[i];
        if (gap > 3 * hold) {
          if (t > tr.ts[i] + hold) continue; // a gap in the track: not drawn
        } else if (t > tr.ts[i]) {
          const f = (t - tr.ts[i]) / gap;
          const j = (i + 1) * 4;
          l += (b[j] - l) * f;
          tp += (b[j + 1] - tp) * f;
          w += (b[j + 2] - w) * f;
          h += (b[j + 3] - h) * f;
        }
      }
      out.push({ index: tr.index, left: l, top: tp, width: w, height: h });
    }
    return out;
  }

  byIndex(index: number): Track | undefined {
    return this.tracks.find((t) => t.index === index);
  }
}

/** A stable, distinct colour per person Index (golden-angle hues). */
export function colourOf(index: number): string {
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue} 90% 55%)`;
}
