/**
 * ByteTrack-class person tracker (Zhang et al., ByteTrack, ECCV 2022; byte_tracker.py), with time in seconds,
 * OC-SORT's observation-centric re-update and, when detections carry embeddings, appearance blended into the first
 * stage (Deep OC-SORT style) plus re-attachment of lost tracks at confirmation.
 *
 * Per frame:
 *  1. predict every track to the frame time;
 *  2. match confirmed tracks (tracked and recently lost) to high-score detections (IoU·score, plus appearance);
 *  3. match the still-unmatched tracked tracks to low-score detections by IoU alone; a tracked track still unmatched
 *     whose predicted box lies inside a detection another track took is hidden in that (merged) box and coasts for
 *     up to coastSec: its prediction, moved inside the box, corrects its filter and is reported — and so is the
 *     prediction of the track that took the box, instead of the two-person box; other unmatched tracks are lost;
 *  4. match tentative tracks to the remaining high-score detections; unmatched tentative tracks are dropped;
 *  5. confirm tentative tracks seen again (and for confirmSec): each either takes over a lost track that looks the
 *     same (re-entry, long occlusion: the person keeps their Index) or gets the next Index;
 *  6. start tentative tracks from the remaining confident detections (more confident next to a tracked person);
 *     expire old lost tracks.
 */
import type { Box, Detection, PersonTracker, TrackedPerson } from './types.js';
import type { TrackerConfig } from '../../../../core/track/config.js';
import { linearAssignment, costMatrix, type CostMatrix } from '../../../../core/track/lap.js';
import { cosineDistance, fuseAppearance, fuseScore, iouDistance } from '../../../../core/track/matching.js';
import { intersection, iou } from '../../../../core/geometry.js';
import { boxToMeasurement, gatingDistances } from '../../../../core/track/kalman.js';
import { STrack, TrackState } from './strack.js';

/** `box` moved (not resized) to lie inside `outer`, along each axis where it fits. */
function insideOf(box: Box, outer: Readonly<Box>): Box {
  const out: Box = [...box];
  for (const [lo, hi] of [
    [0, 2],
    [1, 3],
  ]) {
    if (box[hi] - box[lo] > outer[hi] - outer[lo]) continue;
    const shift = box[lo] < outer[lo] ? outer[lo] - box[lo] : box[hi] > outer[hi] ? outer[hi] - box[hi] : 0;
    out[lo] += shift;
    out[hi] += shift;
  }
  return out;
}

/**
 * One association stage, declared: which tracks meet which detections, the cost of each pair, and the cost a pair
 * must stay under to be matched (boxmot's association stages, ByteTrack's linear_assignment thresholds).
 */
interface Stage {
  tracks: STrack[];
  detections: Detection[];
  cost(tracks: STrack[], detections: Detection[]): CostMatrix;
  maxCost: number;
}

interface StageResult {
  /** In the assignment's order. */
  matches: [STrack, Detection][];
  /** In the stage's order. */
  unmatchedTracks: STrack[];
  unmatchedDetections: Detection[];
}

/** Runs one stage: optimal assignment on its cost, pairs above maxCost left unmatched. */
function associate(stage: Stage): StageResult {
  const { tracks, detections } = stage;
  const result = linearAssignment(stage.cost(tracks, detections), stage.maxCost);
  return {
    matches: result.matches.map(([i, j]) => [tracks[i], detections[j]]),
    unmatchedTracks: result.unmatchedRows.map((i) => tracks[i]),
    unmatchedDetections: result.unmatchedCols.map((j) => detections[j]),
  };
}

/** 1 − IoU of every track's predicted box × detection box. */
function iouCost(tracks: STrack[], detections: Detection[]): CostMatrix {
  return iouDistance(
    tracks.map((t) => t.box),
    detections.map((d) => d.box),
  );
}

/** 1 − IoU·score (ByteTrack's fuse_score): confident detections win close calls. */
function scoredIouCost(tracks: STrack[], detections: Detection[]): CostMatrix {
  return fuseScore(
    iouCost(tracks, detections),
    detections.map((d) => d.score),
  );
}

export class ByteTracker implements PersonTracker {
  readonly config: TrackerConfig;
  private tracks: STrack[] = [];
  private nextIndex = 0;
  private lastTimeSec = -Infinity;

  constructor(config: TrackerConfig) {
    this.config = config;
  }

  /** Whether association could use an embedding for a detection of this score (appearance on, high score). */
  wantsEmbedding(score: number): boolean {
    return this.config.appearance && score >= this.config.highThresh;
  }

  /**
   * Which of this frame's detections association needs an embedding for, so the engine embeds only those
   * (call before `update`, with the same detections and time). Judged from the first stage's motion costs, a
   * high-score detection needs one when:
   *  - it overlaps another confident detection (IoU > embedOverlapIou): occlusion is where identities get swapped;
   *  - no track can take it and it could start a track (score ≥ newTrackThresh): a birth or a person coming back;
   *  - it is contested: a second track could take it, or its best track could take another detection, at a motion
   *    cost within embedMargin of the best — close enough for appearance to change the answer;
   *  - its track has no appearance yet, or has not had a fresh one for embedRefreshSec.
   * A person whom motion alone follows unambiguously is embedded only every embedRefreshSec.
   */
  embeddingNeeds(detections: ReadonlyArray<Detection>, timeSec: number): boolean[] {
    const cfg = this.config;
    if (!cfg.appearance) return detections.map(() => false);
    const tracks = this.tracks.filter((t) => t.state !== TrackState.Lost || this.recentlyLost(t, timeSec));
    const high = detections.map((_, j) => j).filter((j) => detections[j].score >= cfg.highThresh);
    // Stage-1 motion costs (1 − IoU·score) of every track × confident detection.
    const cost = tracks.map((t) => {
      const box = t.predictedBox(timeSec);
      return high.map((j) => 1 - iou(box, detections[j].box) * detections[j].score);
    });
    const margin = cfg.embedMargin;
    const need = detections.map(() => false);
    high.forEach((j, k) => {
      if (high.some((o) => o !== j && iou(detections[o].box, detections[j].box) > cfg.embedOverlapIou)) {
        need[j] = true; // it overlaps another person: occlusion is where identities get swapped
        return;
      }
      const feasible = tracks.map((_, i) => i).filter((i) => cost[i][k] <= cfg.matchThresh);
      if (feasible.length === 0) {
        // Nobody explains it: a birth, or a person coming back — if it is confident enough to be either.
        need[j] = detections[j].score >= cfg.newTrackThresh;
        return;
      }
      feasible.sort((x, y) => cost[x][k] - cost[y][k]);
      const best = feasible[0];
      if (feasible.length > 1 && cost[feasible[1]][k] - cost[best][k] < margin) {
        need[j] = true; // two tracks compete for it
        return;
      }
      for (let k2 = 0; k2 < high.length; k2++) {
        if (k2 !== k && cost[best][k2] <= cfg.matchThresh && cost[best][k2] - cost[best][k] < margin) {
          need[j] = true; // its track could as well take another detection
          return;
        }
      }
      const t = tracks[best];
      if (t.featureSec === undefined || timeSec - t.featureSec >= cfg.embedRefreshSec) need[j] = true;
    });
    return need;
  }

  /** The smoothed appearance of the confirmed person with this Index, when it has one. */
  featureOf(index: number): Float32Array | undefined {
    return this.tracks.find((t) => t.index === index && t.confirmed)?.feature;
  }

  update(detections: Detection[], timeSec: number): TrackedPerson[] {
    const cfg = this.config;
    if (!(timeSec > this.lastTimeSec)) {
      throw new Error(`tracker times must increase (got ${timeSec} after ${this.lastTimeSec})`);
    }
    this.lastTimeSec = timeSec;

    const high = detections.filter((d) => d.score >= cfg.highThresh);
    const low = detections.filter((d) => d.score < cfg.highThresh && d.score >= cfg.lowThresh);

    for (const t of this.tracks) t.predictTo(timeSec, cfg.noise);
    const matchedTracks = new Set<STrack>();
    /** Detections matched in stages 1 and 2, and the track that took each. */
    const taken = new Map<Detection, STrack>();
    /** Each of those tracks' predicted box, before the detection corrected it. */
    const predicted = new Map<STrack, Box>();
    const take = ([track, det]: [STrack, Detection]): void => {
      predicted.set(track, track.box);
      this.apply(track, det, timeSec, detections);
      matchedTracks.add(track);
      taken.set(det, track);
    };

    // Stage 1: confirmed tracks (tracked, and lost within the buffer) × high-score detections, motion and appearance.
    const pool = this.tracks.filter((t) => t.state === TrackState.Tracked || this.recentlyLost(t, timeSec));
    const first = associate({
      tracks: pool,
      detections: high,
      cost: (tracks, dets) => this.firstStageCost(tracks, dets, timeSec),
      maxCost: cfg.matchThresh,
    });
    first.matches.forEach(take);

    // Stage 2: remaining tracked tracks × low-score detections, by IoU only (BYTE's key idea).
    const second = associate({
      tracks: first.unmatchedTracks.filter((t) => t.state === TrackState.Tracked),
      detections: low,
      cost: iouCost,
      maxCost: cfg.lowMatchThresh,
    });
    second.matches.forEach(take);

    // Unmatched tracks are lost — unless hidden inside another person's detection (below), then they coast.
    const hidden = new Map<STrack, Detection>();
    for (const t of pool) {
      if (matchedTracks.has(t)) continue;
      t.markMissed(timeSec);
      if (t.state !== TrackState.Tracked) continue;
      const cover = timeSec - t.lastSeenSec <= cfg.coastSec ? this.coveringDetection(t, taken.keys()) : undefined;
      if (cover) {
        hidden.set(t, cover);
        // They are somewhere inside that box: the prediction, moved inside it, corrects the filter (not a sighting).
        t.nudge(insideOf(t.box, cover.box), cfg.noise);
      }
      else t.state = TrackState.Lost;
    }

    // Stage 3: tentative tracks × remaining high-score detections; a tentative track that misses is dropped.
    const third = associate({
      tracks: this.tracks.filter((t) => t.state === TrackState.Tentative),
      detections: first.unmatchedDetections,
      cost: scoredIouCost,
      maxCost: cfg.tentativeMatchThresh,
    });
    for (const [track, det] of third.matches) {
      this.apply(track, det, timeSec, detections);
      matchedTracks.add(track);
    }
    for (const t of third.unmatchedTracks) t.state = TrackState.Removed;

    // Stage 4: tentative tracks that have now been seen for confirmSec either take over a lost track that looks the
    // same (re-entry, occlusion longer than the lost buffer) or are confirmed under a new Index.
    this.confirm(timeSec);

    // Stage 5: births — next to a tracked person only from a detection confident enough to be someone else.
    for (const d of third.unmatchedDetections) {
      if (d.score < cfg.newTrackThresh) continue;
      if (d.score < cfg.newTrackThreshNear && this.nearTrackedPerson(d.box)) continue;
      const t = new STrack(d.box, d.score, timeSec, cfg.noise);
      t.lastEmbedding = d.embedding;
      if (cfg.appearance && d.embedding && this.unoccluded(d, detections)) {
        t.updateFeature(d.embedding, 0);
        t.featureSec = timeSec;
      }
      this.tracks.push(t);
    }

    // Lifecycle: expire lost tracks, drop removed ones, remove duplicates.
    const keepLostSec = cfg.appearance ? Math.max(cfg.lostBufferSec, cfg.reattachSec) : cfg.lostBufferSec;
    for (const t of this.tracks) {
      if (t.state === TrackState.Lost && timeSec - t.lastSeenSec > keepLostSec) t.state = TrackState.Removed;
    }
    this.tracks = this.tracks.filter((t) => t.state !== TrackState.Removed);
    this.removeDuplicates(timeSec);

    // A detection with someone hidden in it holds two people: the track that took it is reported, like the hidden
    // one, at its own predicted box moved inside it, not at the two-person box.
    const merged = new Map<STrack, Detection>();
    for (const cover of hidden.values()) merged.set(taken.get(cover) as STrack, cover);
    const out: TrackedPerson[] = [];
    for (const t of this.tracks) {
      if (t.state !== TrackState.Tracked) continue;
      if (t.lastSeenSec === timeSec) {
        const cover = merged.get(t);
        const box = cover ? insideOf(predicted.get(t) as Box, cover.box) : cfg.outputBox === 'filtered' ? t.box : t.lastBox;
        out.push({ index: t.index, box, score: t.score });
      } else {
        // Hidden inside another person's detection: reported where the filter puts them, inside that box.
        const cover = hidden.get(t);
        if (cover) out.push({ index: t.index, box: insideOf(t.box, cover.box), score: cover.score });
      }
    }
    out.sort((a, b) => a.index - b.index);
    return out;
  }

  /** Stage 1's cost: 1 − IoU·score, with appearance blended in and non-overlapping pairs gated by walking reach. */
  private firstStageCost(tracks: STrack[], dets: Detection[], timeSec: number): CostMatrix {
    const iouDist = iouCost(tracks, dets);
    const cost = fuseScore(
      iouDist,
      dets.map((d) => d.score),
    );
    if (!this.config.appearance) return cost;
    const blended = fuseAppearance(
      cost,
      iouDist,
      tracks.map((t) => t.feature),
      dets.map((d) => d.embedding),
      this.config,
    );
    this.gateByReach(blended, iouDist, tracks, dets, timeSec);
    if (this.config.soleMatchGate > 0) this.keepSoleMotionMatches(blended, cost, tracks, dets);
    return blended;
  }

  /**
   * Where motion leaves no choice, appearance may not veto: a pair that is the only plausible one (motion cost ≤
   * matchThresh and detection inside the track's Kalman gate) both for its track and for its detection keeps at
   * most its motion cost. Alone with one detection where the filter expects it, a person is that detection, however
   * the crop looks this frame (a bag swung, a sign behind them, a partial view): a veto would lose them and start a
   * second Index on the same person. Where two tracks or two detections compete, appearance still decides.
   */
  private keepSoleMotionMatches(blended: CostMatrix, motion: CostMatrix, tracks: STrack[], dets: Detection[]): void {
    const cfg = this.config;
    const { rows, cols } = motion;
    const plausible = new Uint8Array(rows * cols);
    const perTrack = new Array<number>(rows).fill(0);
    const perDet = new Array<number>(cols).fill(0);
    const measurements = dets.map((d) => boxToMeasurement(d.box));
    for (let i = 0; i < rows; i++) {
      const near: number[] = [];
      for (let j = 0; j < cols; j++) if (motion.data[i * cols + j] <= cfg.matchThresh) near.push(j);
      const gated = gatingDistances(tracks[i].kf, near.map((j) => measurements[j]), cfg.noise);
      near.forEach((j, n) => {
        if (gated[n] > cfg.soleMatchGate) return;
        plausible[i * cols + j] = 1;
        perTrack[i]++;
        perDet[j]++;
      });
    }
    for (let k = 0; k < rows * cols; k++) {
      const i = Math.floor(k / cols);
      if (plausible[k] && perTrack[i] === 1 && perDet[k - i * cols] === 1) blended.data[k] = Math.min(blended.data[k], motion.data[k]);
    }
  }

  /** Lost, but recently enough that motion association still looks for them (lostBufferSec). */
  private recentlyLost(t: STrack, timeSec: number): boolean {
    return t.state === TrackState.Lost && timeSec - t.lastSeenSec <= this.config.lostBufferSec;
  }

  /** Matches `track` to `det`: Kalman correction, appearance update, state change and confirmation. */
  private apply(track: STrack, det: Detection, timeSec: number, all: Detection[]): void {
    const cfg = this.config;
    track.correct(det.box, det.score, timeSec, cfg.noise, cfg.observationCentric);
    if (
      cfg.appearance &&
      det.embedding &&
      det.score >= cfg.featureMinScore &&
      this.unoccluded(det, all) &&
      this.clearOfTracks(track, det)
    ) {
      // EMA whose memory is a half-life in seconds, whatever the frame rate.
      const dt = Math.max(timeSec - (track.featureSec ?? timeSec), 0);
      const keep = track.feature ? Math.pow(0.5, dt / cfg.featureHalfLifeSec) : 0;
      track.updateFeature(det.embedding, keep);
      track.featureSec = timeSec;
    }
    track.lastEmbedding = det.embedding;
    if (track.state !== TrackState.Tentative) track.state = TrackState.Tracked;
  }

  /**
   * Confirms the tentative tracks matched in this frame that have been seen for confirmSec. With appearance, each
   * is first offered to the lost tracks (optimal assignment on appearance cost, gated by a plausible walking
   * distance): a match hands the lost track — and its Index — the new track's state; the rest get new Indices in
   * order of first appearance.
   */
  private confirm(timeSec: number): void {
    const cfg = this.config;
    const ready = this.tracks.filter(
      (t) => t.state === TrackState.Tentative && t.lastSeenSec === timeSec && timeSec - t.startSec >= cfg.confirmSec,
    );
    if (ready.length === 0) return;
    const taken = new Set<STrack>();
    if (cfg.appearance) {
      const lost = this.tracks.filter(
        (t) => t.state === TrackState.Lost && t.feature !== undefined && timeSec - t.lastSeenSec <= cfg.reattachSec,
      );
      const cost = this.reattachCost(lost, ready, timeSec);
      for (const [i, j] of linearAssignment(cost, cfg.reattachMaxCost).matches) {
        lost[i].takeOver(ready[j]);
        ready[j].state = TrackState.Removed;
        taken.add(ready[j]);
      }
    }
    for (const t of ready) {
      if (taken.has(t)) continue;
      t.state = TrackState.Tracked;
      t.index = this.nextIndex++;
    }
  }

  /**
   * A tracked person whose predicted box lies mostly (≥ coverFraction of its area) inside a detection another track
   * took: the detector has returned one box for two people who overlap (or one hides the other). Returns that
   * detection.
   */
  private coveringDetection(track: STrack, taken: Iterable<Detection>): Detection | undefined {
    const box = track.box;
    const area = (box[2] - box[0]) * (box[3] - box[1]);
    if (!(area > 0)) return undefined;
    let best: Detection | undefined;
    let bestFraction = this.config.coverFraction;
    for (const d of taken) {
      const fraction = intersection(box, d.box) / area;
      if (fraction >= bestFraction) {
        bestFraction = fraction;
        best = d;
      }
    }
    return best;
  }

  /**
   * Whether `det` overlaps no other tracked person's box (IoU < featureMaxOverlap): a detection that does may be a
   * merged box of two people — above all when the other one is hidden in it and coasting — and would teach the
   * track the wrong look.
   */
  private clearOfTracks(track: STrack, det: Detection): boolean {
    for (const o of this.tracks) {
      if (o === track || o.state !== TrackState.Tracked) continue;
      if (iou(o.box, det.box) >= this.config.featureMaxOverlap) return false;
    }
    return true;
  }

  /** Whether `box`'s centre lies within nearHeights (of that person's box height) of a tracked person's centre. */
  private nearTrackedPerson(box: Readonly<Box>): boolean {
    const cx = (box[0] + box[2]) / 2;
    const cy = (box[1] + box[3]) / 2;
    return this.tracks.some((t) => {
      if (t.state !== TrackState.Tracked) return false;
      const b = t.box;
      const reach = this.config.nearHeights * (b[3] - b[1]);
      return Math.hypot((b[0] + b[2]) / 2 - cx, (b[1] + b[3]) / 2 - cy) <= reach;
    });
  }

  private unoccluded(det: Detection, all: Detection[]): boolean {
    for (const o of all) {
      if (o === det || o.score < this.config.lowThresh) continue;
      if (iou(o.box, det.box) >= this.config.featureMaxOverlap) return false;
    }
    return true;
  }

  /**
   * Forbids pairs that do not overlap at all unless the detection could start a track (score ≥ newTrackThresh) and is
   * within a plausible walking distance of the track's last sighting (reattachMaxSpeed × time since +
   * reattachSlack, in box heights).
   */
  private gateByReach(cost: CostMatrix, iouDist: CostMatrix, tracks: STrack[], dets: Detection[], timeSec: number): void {
    for (let i = 0; i < tracks.length; i++) {
      for (let j = 0; j < dets.length; j++) {
        const k = i * dets.length + j;
        if (iouDist.data[k] < 1) continue;
        // Appearance alone re-finds a person only from a detection confident enough to start a track, and only
        // within walking reach of where they were last seen.
        if (dets[j].score < this.config.newTrackThresh || !this.withinReach(tracks[i], dets[j].box, timeSec)) {
          cost.data[k] = Infinity;
        }
      }
    }
  }

  private withinReach(track: STrack, box: Readonly<Box>, timeSec: number): boolean {
    const cfg = this.config;
    const last = track.lastBox;
    const h = last[3] - last[1];
    const reach = (cfg.reattachMaxSpeed * (timeSec - track.lastSeenSec) + cfg.reattachSlack) * h;
    const dx = (box[0] + box[2] - last[0] - last[2]) / 2;
    const dy = (box[1] + box[3] - last[1] - last[3]) / 2;
    return dx * dx + dy * dy <= reach * reach;
  }

  /** Appearance cost (cosine distance / 2) of lost tracks × new tracks, gated by a plausible walking distance. */
  private reattachCost(lost: STrack[], fresh: STrack[], timeSec: number): CostMatrix {
    const m = costMatrix(lost.length, fresh.length, Infinity);
    for (let i = 0; i < lost.length; i++) {
      for (let j = 0; j < fresh.length; j++) {
        const feature = fresh[j].feature ?? fresh[j].lastEmbedding;
        if (!feature || !this.withinReach(lost[i], fresh[j].lastBox, timeSec)) continue;
        m.data[i * fresh.length + j] = cosineDistance(lost[i].feature as Float32Array, feature) / 2 / this.config.embeddingScale;
      }
    }
    return m;
  }

  /** ByteTrack's remove_duplicate_stracks: a tracked and a lost track on the same spot keep the older one. */
  private removeDuplicates(timeSec: number): void {
    const tracked = this.tracks.filter((t) => t.state === TrackState.Tracked);
    // Only lost tracks still in motion association: older ones are kept for appearance re-attachment, and their
    // drifting predictions say nothing about where they are.
    const lost = this.tracks.filter((t) => this.recentlyLost(t, timeSec));
    if (tracked.length === 0 || lost.length === 0) return;
    const drop = new Set<STrack>();
    for (const a of tracked) {
      for (const b of lost) {
        if (1 - iou(a.box, b.box) >= this.config.duplicateMaxDistance) continue;
        const ageA = a.lastSeenSec - a.startSec;
        const ageB = b.lastSeenSec - b.startSec;
        drop.add(ageA > ageB ? b : a);
      }
    }
    if (drop.size > 0) this.tracks = this.tracks.filter((t) => !drop.has(t));
  }
}
