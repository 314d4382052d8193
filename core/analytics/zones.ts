/**
 * The zone file (lines and zones in BoundingBox ratio coordinates: 0–1, origin top-left, y down), its validation,
 * and the plane geometry the counting rule needs. Plain TypeScript: no I/O, bundles for a browser.
 */

export type Point = [number, number];

export interface ZoneFile {
  lines: { name: string; points: [Point, Point] }[];
  zones: { name: string; points: Point[] }[];
}

/** A zone file that cannot be used; `field` names the offending member (e.g. `zones[1].points`). */
export class ZoneFileError extends Error {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`zone file: ${field} ${problem}`);
    this.name = 'ZoneFileError';
    this.field = field;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parsePoint(v: unknown, field: string): Point {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((c) => typeof c === 'number' && Number.isFinite(c))) {
    throw new ZoneFileError(field, 'must be a point [x, y] of two numbers');
  }
  const [x, y] = v as number[];
  if (x < 0 || x > 1 || y < 0 || y > 1) throw new ZoneFileError(field, 'must lie in the frame: x and y between 0 and 1 (ratios of the frame, like BoundingBox)');
  return [x, y];
}

function parseName(v: unknown, field: string, seen: Set<string>): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ZoneFileError(field, 'must be a non-empty string');
  if (seen.has(v)) throw new ZoneFileError(field, `repeats the name "${v}": give every line and zone its own name`);
  seen.add(v);
  return v;
}

/** Twice the signed area of a polygon (shoelace). */
function doubleArea(points: readonly Point[]): number {
  let a = 0;
  for (let i = 0; i < points.length; i++) {
    const [x1, y1] = points[i];
    const [x2, y2] = points[(i + 1) % points.length];
    a += x1 * y2 - x2 * y1;
  }
  return a;
}

/**
 * Validates a parsed zone file. Throws ZoneFileError naming the first bad field. `lines` and `zones` may each be
 * absent (none), but not both.
 */
export function parseZoneFile(value: unknown): ZoneFile {
  if (!isObject(value)) throw new ZoneFileError('(top level)', 'must be a JSON object {"lines": [...], "zones": [...]}');
  for (const key of Object.keys(value)) {
    if (key !== 'lines' && key !== 'zones') throw new ZoneFileError(key, 'is not a zone file member: only "lines" and "zones"');
  }
  const names = new Set<string>();
  const lines: ZoneFile['lines'] = [];
  const zones: ZoneFile['zones'] = [];
  if (value.lines !== undefined) {
    if (!Array.isArray(value.lines)) throw new ZoneFileError('lines', 'must be an array of {"name", "points": [[x1,y1],[x2,y2]]}');
    value.lines.forEach((line: unknown, i: number) => {
      const f = `lines[${i}]`;
      if (!isObject(line)) throw new ZoneFileError(f, 'must be an object {"name", "points"}');
      const name = parseName(line.name, `${f}.name`, names);
      if (!Array.isArray(line.points) || line.points.length !== 2) throw new ZoneFileError(`${f}.points`, 'must be two points [[x1,y1],[x2,y2]]');
      const a = parsePoint(line.points[0], `${f}.points[0]`);
      const b = parsePoint(line.points[1], `${f}.points[1]`);
      if (a[0] === b[0] && a[1] === b[1]) throw new ZoneFileError(`${f}.points`, 'are the same point: a line needs two different ends');
      lines.push({ name, points: [a, b] });
    });
  }
  if (value.zones !== undefined) {
    if (!Array.isArray(value.zones)) throw new ZoneFileError('zones', 'must be an array of {"name", "points": [[x,y],[x,y],[x,y],...]}');
    value.zones.forEach((zone: unknown, i: number) => {
      const f = `zones[${i}]`;
      if (!isObject(zone)) throw new ZoneFileError(f, 'must be an object {"name", "points"}');
      const name = parseName(zone.name, `${f}.name`, names);
      if (!Array.isArray(zone.points) || zone.points.length < 3) throw new ZoneFileError(`${f}.points`, 'must be a polygon of at least three points');
      const points = zone.points.map((p: unknown, k: number) => parsePoint(p, `${f}.points[${k}]`));
      if (Math.abs(doubleArea(points)) < 1e-12) throw new ZoneFileError(`${f}.points`, 'enclose no area: give the polygon\'s corners in order');
      zones.push({ name, points });
    });
  }
  if (lines.length === 0 && zones.length === 0) throw new ZoneFileError('lines', 'and zones are both empty: draw at least one line or zone');
  return { lines, zones };
}

// ---- geometry (in any coordinates where the caller keeps x and y consistent) ----

/** sign((B−A) × (P−A)): +1, −1, or 0 on the line through A and B. */
export function sideOf(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  return Math.sign((bx - ax) * (py - ay) - (by - ay) * (px - ax));
}

/** Whether the closed segments PQ and AB meet, given that P and Q lie strictly on opposite sides of the line AB. */
export function moveMeetsSegment(px: number, py: number, qx: number, qy: number, ax: number, ay: number, bx: number, by: number): boolean {
  const sa = sideOf(px, py, qx, qy, ax, ay);
  const sb = sideOf(px, py, qx, qy, bx, by);
  return sa === 0 || sb === 0 || sa !== sb;
}

/** Even–odd point-in-polygon; a point on an edge counts as inside. */
export function insidePolygon(xs: Float64Array, ys: Float64Array, px: number, py: number): boolean {
  let inside = false;
  const n = xs.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = xs[i], yi = ys[i], xj = xs[j], yj = ys[j];
    // on the edge?
    const cross = (xj - xi) * (py - yi) - (yj - yi) * (px - xi);
    if (cross === 0 && px >= Math.min(xi, xj) && px <= Math.max(xi, xj) && py >= Math.min(yi, yj) && py <= Math.max(yi, yj)) return true;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Distance from P to the nearest edge of a polygon. */
export function distanceToEdges(xs: Float64Array, ys: Float64Array, px: number, py: number): number {
  let best = Infinity;
  const n = xs.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const ex = xs[i] - xs[j], ey = ys[i] - ys[j];
    const len2 = ex * ex + ey * ey;
    let t = len2 > 0 ? ((px - xs[j]) * ex + (py - ys[j]) * ey) / len2 : 0;
    t = Math.max(0, Math.min(1, t));
    const dx = xs[j] + t * ex - px, dy = ys[j] + t * ey - py;
    best = Math.min(best, dx * dx + dy * dy);
  }
  return Math.sqrt(best);
}

/** 2·area/perimeter: the inradius of a regular polygon, a size scale for any polygon. */
export function polygonScale(xs: Float64Array, ys: Float64Array): number {
  let area2 = 0, perimeter = 0;
  const n = xs.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    area2 += xs[j] * ys[i] - xs[i] * ys[j];
    perimeter += Math.hypot(xs[i] - xs[j], ys[i] - ys[j]);
  }
  return perimeter > 0 ? Math.abs(area2) / perimeter : 0;
}
