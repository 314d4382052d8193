/**
 * The engine's persons, gaps filled: trackFrames (engine.ts) with each person's path made continuous across short
 * gaps (track/gap-fill.ts). Every output — results, MOT rows, segments, benchmarks — is made from these samples.
 */
import { GapFiller, type FilledPerson, type FilledSample } from '../track/index.js';
import type { ProbedVideo } from '../video/probe.js';
import { trackFrames, type EngineRun, type EngineTimings, type TrackedSample, type TrackOptions } from './engine.js';

/** One analysed frame's persons, gaps filled: what every output (results, MOT rows, benchmarks) is made of. */
export interface PersonsSample<X> {
  /** Milliseconds from the start of the video, as TrackedSample.timestampMs. */
  timestampMs: number;
  /** 0-based index of the frame in the source. */
  sourceIndex: number;
  /** What `perFrame` returned for this frame. */
  extra: X;
  /** The frame's persons, by Index ascending, with boxes interpolated across short gaps (track/gap-fill.ts). */
  persons: FilledPerson[];
}

/**
 * trackFrames, with each person's path made continuous across short gaps (track/gap-fill.ts, up to the tracker's
 * fillGapSec). `perFrame` runs on every frame as it is tracked — it may use the decoded frame (faces) — and its
 * result comes back with that frame's persons in `onPersons`, delayed by at most fillGapSec of video.
 */
export async function trackPersons<X>(
  input: string,
  options: TrackOptions,
  perFrame: (sample: TrackedSample, run: EngineRun) => Promise<X> | X,
  onPersons: (sample: PersonsSample<X>, run: EngineRun) => Promise<void> | void,
): Promise<{ video: ProbedVideo; timings: EngineTimings }> {
  type Held = { timestampMs: number; sourceIndex: number; extra: X };
  let filler: GapFiller<Held> | undefined;
  let engineRun: EngineRun | undefined;
  const emit = async (ready: Array<FilledSample<Held>>, run: EngineRun): Promise<void> => {
    for (const r of ready) await onPersons({ ...r.sample, persons: r.persons }, run);
  };
  const result = await trackFrames(input, options, async (sample, run) => {
    engineRun = run;
    filler ??= new GapFiller<Held>(run.fillGapSec);
    const extra = await perFrame(sample, run);
    const held = { timestampMs: sample.timestampMs, sourceIndex: sample.frame.sourceIndex, extra };
    await emit(filler.push(sample.frame.timeSec, held, sample.persons), run);
  });
  if (filler && engineRun) await emit(filler.flush(), engineRun);
  return result;
}

