/**
 * The line and zone editor, on a canvas over a frame of the video. Lines take two clicks, zones a click per corner
 * and Enter (or "Finish zone", or a click on the first corner). With the keyboard: focus the canvas, move the cursor
 * with the arrow keys (Shift: larger steps), Enter or Space places a point, Escape drops an unfinished shape.
 * Everything is in ratio coordinates (0–1, origin top-left, y down), as BoundingBox and the zone file.
 *
 * A line's IN direction: a person crossing from side −1 to side +1 of A→B (s = sign((B−A)×(p−A))) goes IN; the
 * arrow drawn at the line's middle points to the +1 side. Flipping swaps A and B.
 */
export type Point = [number, number];
export interface EditableZones {
  lines: { name: string; points: [Point, Point] }[];
  zones: { name: string; points: Point[] }[];
}

export type Mode = 'idle' | 'line' | 'zone';

const LINE_COLOUR = '#ffd400';
const ZONE_COLOUR = '#00d0ff';

export class ZoneEditor {
  mode: Mode = 'idle';
  pending: Point[] = [];
  cursor: Point = [0.5, 0.5];
  private showCursor = false;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    readonly canvas: HTMLCanvasElement,
    public shapes: EditableZones,
    private readonly onChange: (announce: string) => void,
  ) {
    this.ctx = canvas.getContext('2d')!;
    canvas.addEventListener('click', (e) => {
      const r = canvas.getBoundingClientRect();
      this.place([(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height]);
    });
    canvas.addEventListener('keydown', (e) => this.key(e));
    canvas.addEventListener('focus', () => {
      this.showCursor = true;
      this.draw();
    });
    canvas.addEventListener('blur', () => {
      this.showCursor = false;
      this.draw();
    });
  }

  setMode(mode: Mode): void {
    this.mode = mode;
    this.pending = [];
    this.draw();
  }

  private key(e: KeyboardEvent): void {
    const step = e.shiftKey ? 0.05 : 0.01;
    const moves: Record<string, Point> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const move = moves[e.key];
    if (move) {
      this.cursor = [clamp(this.cursor[0] + move[0]), clamp(this.cursor[1] + move[1])];
      e.preventDefault();
      this.draw();
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (e.key === 'Enter' && this.mode === 'zone' && this.pending.length >= 3 && samePoint(this.pending[this.pending.length - 1], this.cursor)) this.finishZone();
      else this.place(this.cursor);
    } else if (e.key === 'Escape') {
      this.pending = [];
      this.draw();
      this.onChange('Unfinished shape dropped.');
    }
  }

  place(p: Point): void {
    p = [round(clamp(p[0])), round(clamp(p[1]))];
    this.cursor = p;
    if (this.mode === 'line') {
      this.pending.push(p);
      if (this.pending.length === 2) {
        const name = uniqueName('line', this.shapes.lines.map((l) => l.name));
        this.shapes.lines.push({ name, points: [this.pending[0], this.pending[1]] });
        this.pending = [];
        this.onChange(`Line ${name} added.`);
      } else this.onChange('First end of the line placed; place the second.');
    } else if (this.mode === 'zone') {
      if (this.pending.length >= 3 && near(this.pending[0], p, this.canvas)) return this.finishZone();
      this.pending.push(p);
      this.onChange(`Corner ${this.pending.length} of the zone placed${this.pending.length >= 3 ? '; press Enter or "Finish zone" to close it' : ''}.`);
    }
    this.draw();
  }

  finishZone(): void {
    if (this.pending.length < 3) {
      this.onChange('A zone needs at least three corners.');
      return;
    }
    const name = uniqueName('zone', this.shapes.zones.map((z) => z.name));
    this.shapes.zones.push({ name, points: this.pending });
    this.pending = [];
    this.onChange(`Zone ${name} added.`);
    this.draw();
  }

  draw(): void {
    const { ctx, canvas } = this;
    const W = canvas.width;
    const H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    const lw = Math.max(2, Math.round(Math.min(W, H) / 250));
    const font = Math.max(13, Math.round(H / 36));
    ctx.font = `bold ${font}px system-ui, sans-serif`;
    ctx.lineJoin = 'round';
    for (const z of this.shapes.zones) {
      ctx.beginPath();
      z.points.forEach(([x, y], i) => (i ? ctx.lineTo(x * W, y * H) : ctx.moveTo(x * W, y * H)));
      ctx.closePath();
      ctx.fillStyle = 'rgba(0, 208, 255, 0.18)';
      ctx.fill();
      ctx.strokeStyle = ZONE_COLOUR;
      ctx.lineWidth = lw;
      ctx.stroke();
      const [cx, cy] = centroid(z.points);
      label(ctx, z.name, cx * W, cy * H, ZONE_COLOUR, font);
    }
    for (const l of this.shapes.lines) {
      const [[ax, ay], [bx, by]] = l.points;
      const A = [ax * W, ay * H];
      const B = [bx * W, by * H];
      ctx.strokeStyle = LINE_COLOUR;
      ctx.lineWidth = lw * 1.5;
      ctx.beginPath();
      ctx.moveTo(A[0], A[1]);
      ctx.lineTo(B[0], B[1]);
      ctx.stroke();
      // IN arrow toward the +1 side: the normal (−dy, dx) in pixels.
      const dx = B[0] - A[0];
      const dy = B[1] - A[1];
      const len = Math.hypot(dx, dy) || 1;
      const nx = -dy / len;
      const ny = dx / len;
      const mx = (A[0] + B[0]) / 2;
      const my = (A[1] + B[1]) / 2;
      const size = Math.max(18, font * 1.6);
      const tip = [mx + nx * size, my + ny * size];
      ctx.beginPath();
      ctx.moveTo(mx - nx * size * 0.3, my - ny * size * 0.3);
      ctx.lineTo(tip[0], tip[1]);
      ctx.moveTo(tip[0] - nx * size * 0.4 + (dx / len) * size * 0.3, tip[1] - ny * size * 0.4 + (dy / len) * size * 0.3);
      ctx.lineTo(tip[0], tip[1]);
      ctx.lineTo(tip[0] - nx * size * 0.4 - (dx / len) * size * 0.3, tip[1] - ny * size * 0.4 - (dy / len) * size * 0.3);
      ctx.stroke();
      label(ctx, `${l.name}: IN`, tip[0] + nx * font, tip[1] + ny * font, LINE_COLOUR, font);
    }
    if (this.pending.length) {
      ctx.strokeStyle = '#ff5ad1';
      ctx.lineWidth = lw;
      ctx.setLineDash([8, 6]);
      ctx.beginPath();
      this.pending.forEach(([x, y], i) => (i ? ctx.lineTo(x * W, y * H) : ctx.moveTo(x * W, y * H)));
      if (this.showCursor) ctx.lineTo(this.cursor[0] * W, this.cursor[1] * H);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#ff5ad1';
      for (const [x, y] of this.pending) ctx.fillRect(x * W - lw * 2, y * H - lw * 2, lw * 4, lw * 4);
    }
    if (this.showCursor) {
      const [x, y] = [this.cursor[0] * W, this.cursor[1] * H];
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = lw;
      ctx.beginPath();
      ctx.moveTo(x - 14, y);
      ctx.lineTo(x + 14, y);
      ctx.moveTo(x, y - 14);
      ctx.lineTo(x, y + 14);
      ctx.stroke();
    }
  }
}

function label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, colour: string, font: number): void {
  const w = ctx.measureText(text).width + 10;
  ctx.fillStyle = 'rgba(0,0,0,0.7)';
  ctx.fillRect(x - w / 2, y - font / 2 - 4, w, font + 8);
  ctx.fillStyle = colour;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x, y);
  ctx.textAlign = 'start';
}

const clamp = (v: number) => Math.min(1, Math.max(0, v));
const round = (v: number) => Math.round(v * 10000) / 10000;
const samePoint = (a: Point, b: Point) => Math.abs(a[0] - b[0]) < 1e-9 && Math.abs(a[1] - b[1]) < 1e-9;
const near = (a: Point, b: Point, c: HTMLCanvasElement) => Math.hypot((a[0] - b[0]) * c.clientWidth, (a[1] - b[1]) * c.clientHeight) < 10;
const centroid = (ps: Point[]): Point => [ps.reduce((s, p) => s + p[0], 0) / ps.length, ps.reduce((s, p) => s + p[1], 0) / ps.length];

function uniqueName(base: string, taken: string[]): string {
  for (let i = 1; ; i++) if (!taken.includes(`${base} ${i}`)) return `${base} ${i}`;
}
