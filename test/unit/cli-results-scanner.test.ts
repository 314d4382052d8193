/**
 * The results scanner cuts out the same persons and VideoMetadata whatever the chunk boundaries, strings holding
 * braces, brackets and escaped quotes, pretty-printing, arrays of pages or NDJSON.
 */
import { PagesScanner, ResultsSyntaxError } from '../../cli/results-scanner.js';

function scan(text: string, chunk: number): { persons: unknown[]; metas: unknown[]; pages: number } {
  const persons: unknown[] = [];
  const metas: unknown[] = [];
  const s = new PagesScanner((p) => persons.push(p), (m) => metas.push(m));
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) s.write(bytes.subarray(i, i + chunk));
  s.end();
  return { persons, metas, pages: s.pages };
}

const person = (i: number): object => ({ Timestamp: i * 40, Person: { Index: i % 3, BoundingBox: { Left: 0.1, Top: 0.2, Width: 0.05, Height: 0.3 }, Note: `a "quoted" {brace} [${i}] \\ é` } });
const page = (from: number, n: number): object => ({
  JobStatus: 'SUCCEEDED',
  Video: { Persons: ['not a page member'] },
  VideoMetadata: { FrameWidth: 1280, FrameHeight: 720, Codec: 'h264 {x}' },
  Persons: Array.from({ length: n }, (_, k) => person(from + k)),
  NextToken: 'tok"en]',
});

describe('PagesScanner', () => {
  const all = Array.from({ length: 25 }, (_, i) => person(i));
  const forms: [string, string][] = [
    ['one page', JSON.stringify(page(0, 25))],
    ['one pretty page', JSON.stringify(page(0, 25), null, 2)],
    ['an array of pages', JSON.stringify([page(0, 10), page(10, 10), page(20, 5)], null, 1)],
    ['NDJSON pages', [page(0, 10), page(10, 10), page(20, 5)].map((p) => JSON.stringify(p)).join('\n')],
  ];
  it.each(forms)('%s, in chunks of 1 to 64 bytes', (_, text) => {
    for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) {
      const r = scan(text, chunk);
      expect(r.persons).toEqual(all);
      expect(r.metas[0]).toEqual({ FrameWidth: 1280, FrameHeight: 720, Codec: 'h264 {x}' });
    }
  });

  it('says a file cut short or broken is not results', () => {
    const text = JSON.stringify(page(0, 5));
    expect(() => scan(text.slice(0, text.length - 40), 16)).toThrow(ResultsSyntaxError);
    expect(() => scan(text.replace('"Timestamp":40', '"Timestamp":4x0'), 16)).toThrow(ResultsSyntaxError);
    expect(() => scan('{"Persons":[1,2]}', 4)).toThrow(/other than objects/);
  });
});
