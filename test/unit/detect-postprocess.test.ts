/**
 * Engine building blocks that decide where a box lands and which frames are analysed: letterbox geometry (shared by
 * the ffmpeg filter and the box decoder), YOLOX/NanoDet output decoding, NMS, cadence and frame times.
 */
import { analysisStep, frameTime, fullFrameSize } from '../../containers/tracker/src/decode/ffmpeg-decoder.js';
import { letterboxFilter, letterboxGeometry, unletterboxBox } from '../../containers/tracker/src/decode/letterbox.js';
import { decodeNanodetStride, decodeYolox, nms, toPlanar } from '../../containers/tracker/src/detect/postprocess.js';
import { toRatioBox } from '../../core/geometry.js';
import { chooseFrameRate, parseIni } from '../../containers/tracker/src/video/probe.js';

describe('letterbox geometry', () => {
  it('fits a 1080p frame top-left into 416x416 and maps boxes back to source pixels', () => {
    const spec = { width: 416, height: 416, placement: 'top-left' as const, padValue: 114 };
    const g = letterboxGeometry(1920, 1080, spec);
    expect(g).toMatchObject({ scaledWidth: 416, scaledHeight: 234, padX: 0, padY: 0 });
    expect(letterboxFilter(g, spec)).toBe('scale=416:234:flags=bilinear,format=bgr24,pad=416:416:0:0:0x727272');
    const [x1, y1, x2, y2] = unletterboxBox(g, 104, 117, 208, 234);
    expect(x1).toBeCloseTo(480, 6);
    expect(y1).toBeCloseTo(540, 6);
    expect(x2).toBeCloseTo(960, 6);
    expect(y2).toBeCloseTo(1080, 6);
  });

  it('centres a portrait frame for NanoDet and undoes the offset', () => {
    const spec = { width: 320, height: 320, placement: 'center' as const, padValue: 0 };
    const g = letterboxGeometry(720, 1280, spec);
    expect(g.scaledHeight).toBe(320);
    expect(g.scaledWidth).toBe(180);
    expect(g.padX).toBe(70);
    expect(g.padY).toBe(0);
    const [x1, , x2] = unletterboxBox(g, 70, 0, 250, 320);
    expect(x1).toBeCloseTo(0, 6);
    expect(x2).toBeCloseTo(720, 6);
  });
});

describe('detector output decoding', () => {
  it('decodes a YOLOX cell of the stride-16 grid into a person box, scored obj x cls0', () => {
    // 64x64 input: 8x8 + 4x4 + 2x2 = 84 rows of [dx, dy, log w, log h, obj, person, other].
    const rowLen = 7;
    const out = new Float32Array(84 * rowLen);
    const row = 64 + 1 * 4 + 2; // stride 16, gx=2, gy=1
    out.set([0.5, 0.5, Math.log(2), Math.log(3), 0.9, 0.8, 0.99], row * rowLen);
    // A confident non-person elsewhere is ignored.
    out.set([0, 0, 0, 0, 0.9, 0.05, 0.99], 3 * rowLen);
    const boxes = decodeYolox(out, rowLen, 64, 64, 0.1);
    expect(boxes).toHaveLength(5);
    const [x1, y1, x2, y2, s] = boxes;
    // centre (2.5*16, 1.5*16) = (40, 24); size (32, 48)
    expect([x1, y1, x2, y2].map((v) => Math.round(v * 1000) / 1000 + 0)).toEqual([24, 0, 56, 48]);
    expect(s).toBeCloseTo(0.72, 5);
  });

  it('rejects a YOLOX output whose rows do not match the input grid', () => {
    expect(() => decodeYolox(new Float32Array(80 * 6), 6, 64, 64, 0.1)).toThrow(/grid/);
  });

  it('decodes NanoDet distance bins as the softmax expectation times the stride', () => {
    const stride = 8;
    const cls = new Float32Array(4 * 2); // 2x2 grid (16x16 input), 2 classes
    cls[3 * 2] = 0.7; // cell (1,1), person
    const dis = new Float32Array(4 * 32).fill(-20);
    // sides l,t,r,b all peaked at bin 2 → distance 16
    for (let side = 0; side < 4; side++) dis[3 * 32 + side * 8 + 2] = 20;
    const boxes: number[] = [];
    decodeNanodetStride(cls, 2, dis, stride, 16, 0.1, boxes);
    expect(boxes).toHaveLength(5);
    const c = 8 + 3.5;
    expect(boxes.slice(0, 4).map((v) => Math.round(v * 100) / 100)).toEqual([c - 16, c - 16, c + 16, c + 16]);
    expect(boxes[4]).toBeCloseTo(0.7, 6);
  });

  it('NMS keeps the best of overlapping boxes and separate people apart', () => {
    const kept = nms([0, 0, 10, 20, 0.6, 1, 0, 11, 20, 0.9, 30, 0, 40, 20, 0.3], 0.45);
    expect(kept).toEqual([1, 0, 11, 20, 0.9, 30, 0, 40, 20, 0.3]);
  });

  it('converts packed BGR to planar floats, with per-channel normalisation when asked', () => {
    const bgr = new Uint8Array([10, 20, 30, 40, 50, 60]);
    expect(Array.from(toPlanar(bgr, 2, 1, new Float32Array(6)))).toEqual([10, 40, 20, 50, 30, 60]);
    const n = toPlanar(bgr, 2, 1, new Float32Array(6), [10, 20, 30], [2, 4, 5]);
    expect(Array.from(n)).toEqual([0, 15, 0, 7.5, 0, 6]);
  });
});

describe('cadence and times', () => {
  it('samples about 15 times a second like Rekognition, every frame at 15 fps or less', () => {
    expect(analysisStep(29.97, false)).toBe(2);
    expect(analysisStep(25, false)).toBe(2);
    expect(analysisStep(60, false)).toBe(4);
    expect(analysisStep(15, false)).toBe(1);
    expect(analysisStep(7, false)).toBe(1);
    expect(analysisStep(59.94, true)).toBe(1);
  });

  it('takes frame times from the exact pts, not the 6-digit pts_time, after hours of video', () => {
    // 4 h 10 min at 1/90000: pts_time prints 15000.1 (6 digits), the exact time is 15000.0667
    expect(frameTime('1350006000', '15000.1', [1, 90000], 0)).toBeCloseTo(15000.0667, 4);
    // A time base that does not match what ffmpeg printed is not trusted.
    expect(frameTime('100', '2', [1, 1000], 0)).toBe(2);
    expect(frameTime('NOPTS', 'NOPTS', [1, 1000], 1.5)).toBe(1.5);
  });

  it('caps full frames at the given width keeping the aspect ratio', () => {
    expect(fullFrameSize(1920, 1080, 1280)).toEqual({ width: 1280, height: 720 });
    expect(fullFrameSize(768, 576, 1280)).toEqual({ width: 768, height: 576 });
  });
});

describe('metadata helpers', () => {
  it('prefers the mean frame rate, but not the doubled one some AVI muxers report', () => {
    expect(chooseFrameRate({ avg_frame_rate: '30000/1001', r_frame_rate: '30000/1001' })).toBeCloseTo(29.97, 2);
    expect(chooseFrameRate({ avg_frame_rate: '50/1', r_frame_rate: '25/1' })).toBe(25);
    expect(chooseFrameRate({ avg_frame_rate: '2997/100', r_frame_rate: '120/1' })).toBeCloseTo(29.97, 2);
  });

  it('reads seqinfo.ini', () => {
    expect(parseIni('[Sequence]\nname=X\nframeRate=7\r\nseqLength=795\n')).toEqual({ name: 'X', frameRate: '7', seqLength: '795' });
  });

  it('gives bounding boxes as float32 ratios of the frame in Rekognition member order', () => {
    const bb = toRatioBox([192, 108, 384, 540], 1920, 1080);
    expect(Object.keys(bb)).toEqual(['Width', 'Height', 'Left', 'Top']);
    expect(bb.Width).toBe(Math.fround(0.1));
    expect(bb.Top).toBe(Math.fround(0.1));
    expect(bb.Height).toBe(Math.fround(0.4));
  });
});
