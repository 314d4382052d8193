/**
 * Line and zone labels of `render --zones`: on a real canvas, lines and zones drawn close together get labels that
 * do not cover each other and stay in the frame.
 */
import { createCanvas } from '@napi-rs/canvas';
import { drawZones, placeLabels } from '../../containers/tracker/src/render/zones.js';
import type { ZoneFile } from '../../core/analytics/index.js';
import { expectInsideAndApart } from '../fixtures/layout.js';

// Two doors 4 % of the frame apart, each beside a small zone: every preferred label position collides.
const CLOSE: ZoneFile = {
  lines: [
    { name: 'door-a', points: [[0.40, 0.30], [0.40, 0.70]] },
    { name: 'door-b', points: [[0.44, 0.30], [0.44, 0.70]] },
  ],
  zones: [
    { name: 'queue-a', points: [[0.30, 0.42], [0.50, 0.42], [0.50, 0.50], [0.30, 0.50]] },
    { name: 'queue-b', points: [[0.32, 0.46], [0.52, 0.46], [0.52, 0.56], [0.32, 0.56]] },
  ],
};
const COUNTS = {
  lines: [{ name: 'door-a', in: 12, out: 9 }, { name: 'door-b', in: 104, out: 97 }],
  zones: [{ name: 'queue-a', occupancy: 3, visits: 41 }, { name: 'queue-b', occupancy: 0, visits: 7 }],
};

describe('render --zones labels', () => {
  it.each([[640, 360], [1920, 1080], [320, 240]])('at %i×%i: no label covers another, all inside the frame', (w, h) => {
    const canvas = createCanvas(w, h);
    const boxes = drawZones(canvas.getContext('2d'), CLOSE, COUNTS, w, h, true);
    expect(boxes).toHaveLength(4);
    expectInsideAndApart(boxes, w, h);
  });

  it('keeps a label at its first choice when it is free, and takes the least covered one when none is', () => {
    const [a, b] = placeLabels([
      { w: 40, h: 10, candidates: [[50, 50]] },
      { w: 40, h: 10, candidates: [[50, 50], [50, 62]] },
    ], 200, 100);
    expect(a).toEqual({ x: 30, y: 45, width: 40, height: 10 });
    expect(b).toEqual({ x: 30, y: 57, width: 40, height: 10 });
    const [, , c] = placeLabels([
      { w: 40, h: 10, candidates: [[50, 50]] },
      { w: 40, h: 10, candidates: [[50, 60]] },
      { w: 40, h: 10, candidates: [[50, 52], [50, 70]] },
    ], 200, 100);
    expect(c).toEqual({ x: 30, y: 65, width: 40, height: 10 }); // overlaps the second by half, not both
    // an obstacle (a line's arrow) is kept clear like a label
    const [d] = placeLabels([{ w: 40, h: 10, candidates: [[50, 50], [50, 80]] }], 200, 100, [{ x: 45, y: 40, width: 10, height: 20 }]);
    expect(d).toEqual({ x: 30, y: 75, width: 40, height: 10 });
  });
});
