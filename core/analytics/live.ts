/**
 * Running counts for drawing on a video: IN/OUT per line so far and the occupancy of each zone at a time, read off
 * a finished Analysis. Times must be asked in increasing order (a video's frames); `reset()` starts again.
 */
import type { Analysis } from './analyser.js';

export interface LiveCounts {
  lines: { name: string; in: number; out: number }[];
  zones: { name: string; occupancy: number; visits: number }[];
}

export class LiveCounter {
  private lineCursor: number[] = [];
  private zoneCursor: number[] = [];
  private visitCursor: number[] = [];
  private readonly visitStarts: number[][];
  private readonly state: LiveCounts;

  constructor(private readonly analysis: Analysis) {
    this.visitStarts = analysis.Zones.map((z) => z.VisitList.map((v) => v.EnterTimestamp).sort((a, b) => a - b));
    this.state = {
      lines: analysis.Lines.map((l) => ({ name: l.Name, in: 0, out: 0 })),
      zones: analysis.Zones.map((z) => ({ name: z.Name, occupancy: 0, visits: 0 })),
    };
    this.reset();
  }

  reset(): void {
    this.lineCursor = this.analysis.Lines.map(() => 0);
    this.zoneCursor = this.analysis.Zones.map(() => 0);
    this.visitCursor = this.analysis.Zones.map(() => 0);
    for (const l of this.state.lines) l.in = l.out = 0;
    for (const z of this.state.zones) z.occupancy = z.visits = 0;
  }

  /** The counts at `timestamp` (ms): crossings and visits up to and including it, occupancy as of it. */
  at(timestamp: number): LiveCounts {
    this.analysis.Lines.forEach((l, k) => {
      while (this.lineCursor[k] < l.Crossings.length && l.Crossings[this.lineCursor[k]].Timestamp <= timestamp) {
        const c = l.Crossings[this.lineCursor[k]++];
        if (c.Direction === 'IN') this.state.lines[k].in++;
        else this.state.lines[k].out++;
      }
    });
    this.analysis.Zones.forEach((z, k) => {
      while (this.zoneCursor[k] < z.Occupancy.length && z.Occupancy[this.zoneCursor[k]].Timestamp <= timestamp) {
        this.state.zones[k].occupancy = z.Occupancy[this.zoneCursor[k]++].Count;
      }
      const starts = this.visitStarts[k];
      while (this.visitCursor[k] < starts.length && starts[this.visitCursor[k]] <= timestamp) this.visitCursor[k]++;
      this.state.zones[k].visits = this.visitCursor[k];
    });
    return this.state;
  }
}
