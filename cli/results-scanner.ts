/**
 * A streaming reader for GetPersonTracking JSON that is fast enough for millions of detections: it walks the bytes
 * once (strings, escapes, nesting), cuts out each element of a page's `Persons` array and each page's
 * `VideoMetadata`, and hands every such piece to the native JSON.parse. Nothing else of the document is kept.
 *
 * Pages may be the top-level value, elements of a top-level array, or several top-level values one after another
 * (NDJSON). A general-purpose streaming JSON parser (@streamparser/json) took 63 s and 690 MB for 2 million
 * detections on the development machine; this takes a few seconds in bounded memory (doc/benchmarks.md).
 */

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c, LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;

export class ResultsSyntaxError extends Error {}

export class PagesScanner {
  /** Containers open: true for an object, false for an array. */
  private readonly isObject: boolean[] = [];
  /** Per open object: whether the next string is a key. */
  private readonly expectKey: boolean[] = [];
  /** Per open container: whether it is a page's Persons array. */
  private readonly isPersons: boolean[] = [];
  private key = '';
  private keyBytes: number[] = [];
  private inString = false;
  private stringIsKey = false;
  private escaped = false;
  /** Inside one element of a Persons array: its nesting depth and string state. */
  private inElement = false;
  private elemDepth = 0;
  private elemString = false;
  private elemEscaped = false;
  /** VideoMetadata being cut out: the depth at which it closes, or −1. */
  private metaDepth = -1;
  /** Bytes of a piece (persons or VideoMetadata) begun in an earlier chunk. */
  private carry: Buffer[] = [];
  pages = 0;
  private bytes = 0;

  constructor(
    private readonly onPerson: (value: unknown) => void,
    private readonly onMeta: (value: unknown) => void,
  ) {}

  /** Whether the object at stack position `i` is a page: the top-level value, or an element of a top-level array. */
  private isPage(i: number): boolean {
    return this.isObject[i] && (i === 0 || (i === 1 && !this.isObject[0]));
  }

  private parse(pieces: Buffer[], at: number): unknown {
    const text = pieces.length === 1 ? pieces[0].toString('utf8') : Buffer.concat(pieces).toString('utf8');
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ResultsSyntaxError(`${(e as Error).message} near byte ${at}`);
    }
  }

  /** Parses the persons cut out so far (whole elements, with the commas between them) as one array. */
  private flushPersons(chunk: Buffer, from: number, to: number): void {
    if (to <= from && this.carry.length === 0) return;
    const values = this.parse([Buffer.from('['), ...this.carry, chunk.subarray(from, to), Buffer.from(']')], this.bytes + to) as unknown[];
    this.carry = [];
    for (const v of values) this.onPerson(v);
  }

  write(chunk: Buffer): void {
    const n = chunk.length;
    // Persons: whole elements of this chunk from batchStart to batchEnd go to one JSON.parse.
    let batchStart = this.inElement ? 0 : -1;
    let batchEnd = -1;
    let elemStart = 0;
    let metaStart = this.metaDepth >= 0 ? 0 : -1;
    let i = 0;
    while (i < n) {
      if (this.inElement) {
        // The hot loop: to the end of this person, minding strings and nesting only.
        let d = this.elemDepth, str = this.elemString, esc = this.elemEscaped;
        let done = false;
        for (; i < n; i++) {
          const c = chunk[i];
          if (str) {
            if (esc) esc = false;
            else if (c === BACKSLASH) esc = true;
            else if (c === QUOTE) str = false;
          } else if (c === QUOTE) str = true;
          else if (c === LBRACE || c === LBRACKET) d++;
          else if (c === RBRACE || c === RBRACKET) {
            if (--d === 0) {
              i++;
              done = true;
              break;
            }
          }
        }
        this.elemDepth = d;
        this.elemString = str;
        this.elemEscaped = esc;
        if (done) {
          this.inElement = false;
          batchEnd = i;
        }
        continue;
      }
      const c = chunk[i];
      const top = this.isObject.length - 1;
      if (top >= 0 && this.isPersons[top] && !this.inString) {
        // Between the elements of a Persons array.
        if (c === LBRACE) {
          this.inElement = true;
          this.elemDepth = 1;
          this.elemString = this.elemEscaped = false;
          elemStart = i;
          if (batchStart < 0) batchStart = i;
          i++;
          continue;
        }
        if (c === RBRACKET) {
          if (batchStart >= 0) this.flushPersons(chunk, batchStart, batchEnd < 0 ? batchStart : batchEnd);
          batchStart = batchEnd = -1;
          this.isObject.pop();
          this.expectKey.pop();
          this.isPersons.pop();
          i++;
          continue;
        }
        if (c === COMMA || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
          i++;
          continue;
        }
        throw new ResultsSyntaxError(`Persons holds something other than objects at byte ${this.bytes + i}`);
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.stringIsKey) this.key = Buffer.from(this.keyBytes).toString('utf8');
          i++;
          continue;
        }
        if (this.stringIsKey && this.keyBytes.length < 64) this.keyBytes.push(c);
        i++;
        continue;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          // Keys matter only in a page (Persons, VideoMetadata).
          this.stringIsKey = top >= 0 && this.expectKey[top] && this.metaDepth < 0 && this.isPage(top);
          if (this.stringIsKey) this.keyBytes = [];
          break;
        case COLON:
          if (top >= 0) this.expectKey[top] = false;
          break;
        case COMMA:
          if (top >= 0 && this.isObject[top]) this.expectKey[top] = true;
          break;
        case LBRACE:
        case LBRACKET: {
          const obj = c === LBRACE;
          const key = top >= 0 && this.isObject[top] && this.isPage(top) ? this.key : '';
          if (this.metaDepth < 0 && obj && key === 'VideoMetadata') {
            this.metaDepth = top + 1;
            metaStart = i;
          }
          const persons = !obj && key === 'Persons' && this.metaDepth < 0;
          if (persons) this.pages++;
          this.isObject.push(obj);
          this.expectKey.push(obj);
          this.isPersons.push(persons);
          this.key = '';
          break;
        }
        case RBRACE:
        case RBRACKET:
          if (top < 0 || this.isObject[top] !== (c === RBRACE)) throw new ResultsSyntaxError(`unexpected '${String.fromCharCode(c)}' at byte ${this.bytes + i}`);
          this.isObject.pop();
          this.expectKey.pop();
          this.isPersons.pop();
          if (this.metaDepth === top) {
            this.onMeta(this.parse([...this.carry, chunk.subarray(metaStart, i + 1)], this.bytes + i));
            this.carry = [];
            this.metaDepth = -1;
            metaStart = -1;
          }
          break;
        default:
          break;
      }
      i++;
    }
    if (this.inElement) {
      // Whole persons of this chunk now; the one cut by the chunk's end waits in `carry`.
      if (batchStart >= 0 && batchEnd > batchStart) this.flushPersons(chunk, batchStart, batchEnd);
      this.carry.push(chunk.subarray(elemStart));
    } else if (batchStart >= 0 && batchEnd > batchStart) this.flushPersons(chunk, batchStart, batchEnd);
    else if (this.metaDepth >= 0 && metaStart >= 0) this.carry.push(chunk.subarray(metaStart));
    this.bytes += n;
  }

  /** Checks that the document is complete. */
  end(): void {
    if (this.inString || this.inElement || this.isObject.length > 0) throw new ResultsSyntaxError('the file ends inside an object or array (cut short?)');
  }
}
