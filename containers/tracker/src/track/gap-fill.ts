/**
 * Short gaps in a person's path, filled by linear interpolation as the samples stream past (ByteTrack's and
 * StrongSORT's interpolation post-process, done online with a bounded delay).
 *
 * When a person's Index comes back after being missing for at most `maxGapSec` — the tracker followed them through
 * an occlusion by motion — the frames in between get boxes interpolated between the last box before the gap and the
 * first one after it, marked `interpolated`. A person is then reported in every frame they were followed through,
 * and another person's box that briefly stood in for them there no longer takes their place.
 *
 * Samples are held until no later sample can fill them (older than the newest by `maxGapSec` or more), so output
 * is delayed by that much video time and memory stays bounded by it. `maxGapSec` 0 passes samples straight through.
 */
import type { Box, TrackedPerson } from './types.js';

export interface FilledPerson extends TrackedPerson {
  /** True for a box interpolated across a gap (the person was not matched to a detection in this frame). */
  interpolated?: boolean;
}

export interface FilledSample<S> {
  timeSec: number;
  /** Whatever the caller attached to this frame (timestamp, per-person extras…), returned as given. */
  sample: S;
  /** The frame's persons plus any interpolated ones, by Index ascending. */
  persons: FilledPerson[];
}

interface LastSeen {
  timeSec: number;
  box: Box;
  score: number;
}

export class GapFiller<S> {
  private readonly queue: Array<FilledSample<S>> = [];
  private readonly last = new Map<number, LastSeen>();
  private newestSec = -Infinity;

  constructor(readonly maxGapSec: number) {
    if (!(maxGapSec >= 0)) throw new Error(`maxGapSec must be 0 or more (got ${maxGapSec})`);
  }

  /** Adds one frame (times increasing) and returns the samples that are now final, oldest first. */
  push(timeSec: number, sample: S, persons: readonly TrackedPerson[]): Array<FilledSample<S>> {
    if (!(timeSec > this.newestSec)) throw new Error(`sample times must increase (got ${timeSec} after ${this.newestSec})`);
    this.newestSec = timeSec;
    for (const p of persons) {
      const prev = this.last.get(p.index);
      if (prev && timeSec - prev.timeSec <= this.maxGapSec) this.fill(p, prev, timeSec);
      this.last.set(p.index, { timeSec, box: p.box, score: p.score });
    }
    this.queue.push({ timeSec, sample, persons: [...persons] });
    // Forget people gone for longer than any gap we would fill.
    for (const [index, seen] of this.last) if (timeSec - seen.timeSec > this.maxGapSec) this.last.delete(index);
    let n = 0;
    while (n < this.queue.length && timeSec - this.queue[n].timeSec >= this.maxGapSec) n++;
    return this.release(n);
  }

  /** Returns every sample still held (call at the end of the video). */
  flush(): Array<FilledSample<S>> {
    return this.release(this.queue.length);
  }

  /** Interpolates `p` into the held samples strictly between its previous sighting and now. */
  private fill(p: TrackedPerson, prev: LastSeen, timeSec: number): void {
    const span = timeSec - prev.timeSec;
    // Held samples are exactly those within maxGapSec of the newest, so every frame of the gap is still here.
    for (let k = this.queue.length - 1; k >= 0 && this.queue[k].timeSec > prev.timeSec; k--) {
      const held = this.queue[k];
      const f = (held.timeSec - prev.timeSec) / span;
      const box = [0, 1, 2, 3].map((c) => prev.box[c] + f * (p.box[c] - prev.box[c])) as Box;
      held.persons.push({ index: p.index, box, score: prev.score + f * (p.score - prev.score), interpolated: true });
    }
  }

  private release(n: number): Array<FilledSample<S>> {
    const out = this.queue.splice(0, n);
    for (const s of out) s.persons.sort((a, b) => a.index - b.index);
    return out;
  }
}
