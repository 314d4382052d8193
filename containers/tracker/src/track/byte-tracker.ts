/**
 * ByteTrack-class person tracker (Zhang et al., ByteTrack, ECCV 2022; byte_tracker.py), with time in seconds,
 * OC-SORT's observation-centric re-update and, when detections carry embeddings, BoT-SORT-style appearance fusion
 * plus appearance-only re-attachment of lost tracks.
 *
 * Per frame:
 *  1. predict every track to the frame time;
 *  2. match confirmed tracks (tracked and recently lost) to high-score detections (IoU·score, fused with appearance);
 *  3. match the still-unmatched tracked tracks to low-score detections by IoU alone;
 *  4. match tentative tracks to the remaining high-score detections; unmatched tentative tracks are dropped;
 *  5. re-attach lost tracks to remaining high-score detections by appearance (re-entry, long occlusion);
 *  6. start tentative tracks from the remaining confident detections;
 *  7. confirm tentative tracks seen for confirmSec (they get the next Index), expire old lost tracks.
 */
import type { Detection, PersonTracker, TrackedPerson } from './types.js';
import type { TrackerConfig } from './config.js';
import { linearAssignment, costMatrix, type CostMatrix } from './lap.js';
import { cosineDistance, fuseAppearance, fuseScore, iou, iouDistance } from './matching.js';
import { STrack, TrackState } from './strack.js';

export class ByteTracker implements PersonTracker {
  readonly config: TrackerConfig;
  private tracks: STrack[] = [];
  private nextIndex = 0;
  private lastTimeSec = -Infinity;

  constructor(config: TrackerConfig) {
    this.config = config;
  }

  /** Whether association would use an embedding for this detection (the engine embeds only those). */
  wantsEmbedding(score: number): boolean {
    return this.config.appearance && score >= this.config.highThresh;
  }

  update(detections: Detection[], timeSec: number): TrackedPerson[] {
    const cfg = this.config;
    if (!(timeSec > this.lastTimeSec)) {
      throw new Error(`tracker times must increase (got ${timeSec} after ${this.lastTimeSec})`);
    }
    this.lastTimeSec = timeSec;
    const useAppearance = cfg.appearance;

    const high: Detection[] = [];
    const low: Detection[] = [];
    for (const d of detections) {
      if (d.score >= cfg.highThresh) high.push(d);
      else if (d.score >= cfg.lowThresh) low.push(d);
    }

    for (const t of this.tracks) t.predictTo(timeSec, cfg.noise);
    const matchedTracks = new Set<STrack>();
    const matchedHigh = new Set<number>();

    // Stage 1: confirmed tracks (tracked, and lost within the buffer) × high-score detections.
    const pool = this.tracks.filter(
      (t) =>
        t.state === TrackState.Tracked ||
        (t.state === TrackState.Lost && timeSec - t.lastSeenSec <= cfg.lostBufferSec),
    );
    {
      const iouDist = iouDistance(
        pool.map((t) => t.box),
        high.map((d) => d.box),
      );
      let cost = fuseScore(
        iouDist,
        high.map((d) => d.score),
      );
      if (useAppearance) {
        cost = fuseAppearance(
          cost,
          iouDist,
          pool.map((t) => t.feature),
          high.map((d) => d.embedding),
          cfg,
        );
      }
      for (const [i, j] of linearAssignment(cost, cfg.matchThresh).matches) {
        this.apply(pool[i], high[j], timeSec, detections);
        matchedTracks.add(pool[i]);
        matchedHigh.add(j);
      }
    }

    // Stage 2: remaining tracked tracks × low-score detections, by IoU only (BYTE's key idea).
    const tracked = pool.filter((t) => t.state === TrackState.Tracked && !matchedTracks.has(t));
    {
      const cost = iouDistance(
        tracked.map((t) => t.box),
        low.map((d) => d.box),
      );
      for (const [i, j] of linearAssignment(cost, cfg.lowMatchThresh).matches) {
        this.apply(tracked[i], low[j], timeSec, detections);
        matchedTracks.add(tracked[i]);
      }
    }
    for (const t of pool) {
      if (matchedTracks.has(t)) continue;
      t.markMissed(timeSec);
      if (t.state === TrackState.Tracked) t.state = TrackState.Lost;
    }

    // Stage 3: tentative tracks × remaining high-score detections.
    let remaining = high.map((_, j) => j).filter((j) => !matchedHigh.has(j));
    const tentative = this.tracks.filter((t) => t.state === TrackState.Tentative);
    {
      const iouDist = iouDistance(
        tentative.map((t) => t.box),
        remaining.map((j) => high[j].box),
      );
      const cost = fuseScore(
        iouDist,
        remaining.map((j) => high[j].score),
      );
      const result = linearAssignment(cost, cfg.tentativeMatchThresh);
      for (const [i, k] of result.matches) {
        this.apply(tentative[i], high[remaining[k]], timeSec, detections);
        matchedTracks.add(tentative[i]);
      }
      for (const i of result.unmatchedRows) tentative[i].state = TrackState.Removed;
      remaining = result.unmatchedCols.map((k) => remaining[k]);
    }

    // Stage 4: appearance-only re-attachment of lost tracks (re-entry, occlusion longer than the lost buffer).
    if (useAppearance && remaining.length > 0) {
      const lost = this.tracks.filter(
        (t) => t.state === TrackState.Lost && !matchedTracks.has(t) && t.feature !== undefined,
      );
      const cost = this.reattachCost(
        lost,
        remaining.map((j) => high[j]),
        timeSec,
      );
      const result = linearAssignment(cost, cfg.reattachMaxCost);
      for (const [i, k] of result.matches) {
        this.apply(lost[i], high[remaining[k]], timeSec, detections);
        matchedTracks.add(lost[i]);
      }
      remaining = result.unmatchedCols.map((k) => remaining[k]);
    }

    // Stage 5: births.
    for (const j of remaining) {
      const d = high[j];
      if (d.score < cfg.newTrackThresh) continue;
      const t = new STrack(d.box, d.score, timeSec, cfg.noise);
      if (useAppearance && d.embedding && this.unoccluded(d, detections)) t.updateFeature(d.embedding, 0);
      this.tracks.push(t);
    }

    // Lifecycle: expire lost tracks, drop removed ones, remove duplicates.
    const keepLostSec = useAppearance ? Math.max(cfg.lostBufferSec, cfg.reattachSec) : cfg.lostBufferSec;
    for (const t of this.tracks) {
      if (t.state === TrackState.Lost && timeSec - t.lastSeenSec > keepLostSec) t.state = TrackState.Removed;
    }
    this.tracks = this.tracks.filter((t) => t.state !== TrackState.Removed);
    this.removeDuplicates();

    const out: TrackedPerson[] = [];
    for (const t of this.tracks) {
      if (t.state !== TrackState.Tracked || t.lastSeenSec !== timeSec) continue;
      out.push({ index: t.index, box: cfg.outputBox === 'filtered' ? t.box : t.lastBox, score: t.score });
    }
    out.sort((a, b) => a.index - b.index);
    return out;
  }

  /** Matches `track` to `det`: Kalman correction, appearance update, state change and confirmation. */
  private apply(track: STrack, det: Detection, timeSec: number, all: Detection[]): void {
    const cfg = this.config;
    track.correct(det.box, det.score, timeSec, cfg.noise, cfg.observationCentric);
    if (cfg.appearance && det.embedding && det.score >= cfg.featureMinScore && this.unoccluded(det, all)) {
      // EMA whose memory is a half-life in seconds, whatever the frame rate.
      const dt = Math.max(timeSec - (track.featureSec ?? timeSec), 0);
      const keep = track.feature ? Math.pow(0.5, dt / cfg.featureHalfLifeSec) : 0;
      track.updateFeature(det.embedding, keep);
      track.featureSec = timeSec;
    }
    if (track.state === TrackState.Tentative) {
      if (timeSec - track.startSec >= cfg.confirmSec) {
        track.state = TrackState.Tracked;
        track.index = this.nextIndex++;
      }
    } else {
      track.state = TrackState.Tracked;
    }
  }

  private unoccluded(det: Detection, all: Detection[]): boolean {
    for (const o of all) {
      if (o === det || o.score < this.config.lowThresh) continue;
      if (iou(o.box, det.box) >= this.config.featureMaxOverlap) return false;
    }
    return true;
  }

  /** Appearance cost (cosine distance / 2) for lost tracks × detections, gated by a plausible walking distance. */
  private reattachCost(lost: STrack[], dets: Detection[], timeSec: number): CostMatrix {
    const cfg = this.config;
    const m = costMatrix(lost.length, dets.length, Infinity);
    for (let i = 0; i < lost.length; i++) {
      const t = lost[i];
      const last = t.lastBox;
      const h = last[3] - last[1];
      const reach = (cfg.reattachMaxSpeed * (timeSec - t.lastSeenSec) + cfg.reattachSlack) * h;
      for (let j = 0; j < dets.length; j++) {
        const d = dets[j];
        if (!d.embedding || timeSec - t.lastSeenSec > cfg.reattachSec) continue;
        const dx = (d.box[0] + d.box[2] - last[0] - last[2]) / 2;
        const dy = (d.box[1] + d.box[3] - last[1] - last[3]) / 2;
        if (dx * dx + dy * dy > reach * reach) continue;
        m.data[i * dets.length + j] = cosineDistance(t.feature as Float32Array, d.embedding) / 2;
      }
    }
    return m;
  }

  /** ByteTrack's remove_duplicate_stracks: a tracked and a lost track on the same spot keep the older one. */
  private removeDuplicates(): void {
    const tracked = this.tracks.filter((t) => t.state === TrackState.Tracked);
    const lost = this.tracks.filter((t) => t.state === TrackState.Lost);
    if (tracked.length === 0 || lost.length === 0) return;
    const drop = new Set<STrack>();
    for (const a of tracked) {
      for (const b of lost) {
        if (1 - iou(a.box, b.box) >= 0.15) continue;
        const ageA = a.lastSeenSec - a.startSec;
        const ageB = b.lastSeenSec - b.startSec;
        drop.add(ageA > ageB ? b : a);
      }
    }
    if (drop.size > 0) this.tracks = this.tracks.filter((t) => !drop.has(t));
  }
}
