import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFolderSource, ResultsReader, ResultsWriter } from '../../core/results-format.js';
import type { PersonDetection } from '../../core/types.js';

describe('results format', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-results-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const det = (ts: number, index: number): PersonDetection => ({
    Timestamp: ts,
    Person: { Index: index, BoundingBox: { Width: 0.1, Height: 0.2, Left: index / 10, Top: ts / 1e4 } },
  });

  it('pages both sort orders without gaps or duplicates', async () => {
    const w = await ResultsWriter.create(dir);
    // 3 persons over 50 frames; person 1 only on even frames; confidence decreasing with time for person 0.
    const conf = new Map<string, number>();
    for (let f = 0; f < 50; f++) {
      for (const p of [0, 1, 2]) {
        if (p === 1 && f % 2) continue;
        const c = p === 0 ? 1 - f / 100 : 0.5 + ((f * 7) % 10) / 100;
        conf.set(`${p}:${f * 66}`, c);
        await w.add(det(f * 66, p), c);
      }
    }
    const manifest = await w.finish({ Codec: 'h264', FrameRate: 15 });
    expect(manifest.count).toBe(125);
    expect(manifest.persons).toBe(3);

    const reader = new ResultsReader(new LocalFolderSource(dir));
    for (const sortBy of ['TIMESTAMP', 'INDEX'] as const) {
      const all: PersonDetection[] = [];
      for (let s = 0; s < manifest.count; s += 17) all.push(...(await reader.readPage(sortBy, s, 17)));
      expect(all).toHaveLength(125);
      const keys = all.map((d) => `${d.Person!.Index}:${d.Timestamp}`);
      expect(new Set(keys).size).toBe(125);
      for (let i = 1; i < all.length; i++) {
        const a = all[i - 1];
        const b = all[i];
        if (sortBy === 'TIMESTAMP') {
          expect(a.Timestamp! < b.Timestamp! || (a.Timestamp === b.Timestamp && a.Person!.Index! < b.Person!.Index!)).toBe(true);
        } else {
          const ca = conf.get(`${a.Person!.Index}:${a.Timestamp}`)!;
          const cb = conf.get(`${b.Person!.Index}:${b.Timestamp}`)!;
          expect(a.Person!.Index! < b.Person!.Index! || (a.Person!.Index === b.Person!.Index && (ca > cb || (ca === cb && a.Timestamp! < b.Timestamp!)))).toBe(true);
        }
      }
    }
    expect(await reader.readPage('INDEX', 125, 10)).toEqual([]);
    expect((await reader.readPage('TIMESTAMP', 120, 1000)).length).toBe(5);
  });

  it('builds the INDEX order in several bounded passes with the same result', async () => {
    // Tiny budgets force many gather passes and many read blocks; the outcome must equal a one-pass build.
    const build = async (sub: string, options?: { copyBudgetBytes: number; readBlockBytes: number }): Promise<PersonDetection[]> => {
      const w = await ResultsWriter.create(join(dir, sub), options);
      for (let f = 0; f < 40; f++) for (const p of [0, 1, 2, 3]) await w.add(det(f * 40, p * 3 + (f % 3)), ((f * 13 + p * 5) % 17) / 17);
      await w.finish({});
      return new ResultsReader(new LocalFolderSource(join(dir, sub))).readPage('INDEX', 0, 1000);
    };
    const onePass = await build('one');
    const manyPasses = await build('many', { copyBudgetBytes: 700, readBlockBytes: 300 });
    expect(manyPasses).toHaveLength(160);
    expect(manyPasses).toEqual(onePass);
  });

  it('rejects records out of timestamp order', async () => {
    const w = await ResultsWriter.create(dir);
    await w.add(det(100, 0));
    await expect(w.add(det(50, 1))).rejects.toThrow(RangeError);
    await expect(w.add(det(100, 0))).rejects.toThrow(RangeError);
  });
});
