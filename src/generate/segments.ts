/**
 * Token pieces of whole text segments, cached by content but looked up by position in the text
 * being tokenized: a hit costs neither a substring nor the hashing of a new string, which is what
 * most of tokenizing generated text used to cost.
 *
 * A segment ends before a space that follows a printable ASCII character. Neither tokenizer's
 * pre-token regex matches such a space together with the character before it (a space can only
 * begin a pre-token), and nothing matched before it depends on what follows (the regexes look
 * ahead, or anchor at the end, only after whitespace). So the tokens of a text are exactly the
 * tokens of its segments one after the other; test/unit/tokens.test.ts checks it against the library.
 */

import type { Steps } from './cooperative.ts';

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** Longer segments (a run of text without spaces) are tokenized every time, not kept. */
const MAX_CACHED_SEGMENT = 256;
/** Characters scanSteps tokenizes per step: ~2–10 ms of uncached text on a slow core. */
export const SCAN_STEP_CHARS = 8 * 1024;

/** A copy that does not keep alive the text it was sliced from (V8 slices long strings by reference). */
function detached(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}

export class SegmentCache {
  private readonly keys: (string | undefined)[];
  private readonly values: (string[] | undefined)[];
  private readonly hashes: Int32Array;
  private readonly mask: number;
  private size = 0;

  /** `tokenize` gives the pieces of one segment; `capacity` is a power of two, at most half used. */
  constructor(
    private readonly tokenize: (segment: string) => string[],
    capacity = 1 << 15,
  ) {
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.values = new Array<string[] | undefined>(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** The number of tokens of `text`; with `out`, its pieces are appended there too. */
  scan(text: string, out?: string[]): number {
    let count = 0;
    let start = 0;
    let hash = FNV_OFFSET;
    let previous = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 32 && previous > 32 && previous < 127) {
        count += this.take(this.lookup(text, start, i, hash), out);
        start = i;
        hash = FNV_OFFSET;
      }
      hash = Math.imul(hash ^ c, FNV_PRIME);
      previous = c;
    }
    if (text.length > start) count += this.take(this.lookup(text, start, text.length, hash), out);
    return count;
  }

  /**
   * scan() in steps of about SCAN_STEP_CHARS, cut at segment ends (so each part is scanned exactly
   * as it would be within the whole text): the same count and pieces, with pauses in between.
   */
  *scanSteps(text: string, out?: string[]): Steps<number> {
    let count = 0;
    let start = 0;
    while (text.length - start > SCAN_STEP_CHARS) {
      let end = start + SCAN_STEP_CHARS;
      while (end < text.length && !(text.charCodeAt(end) === 32 && isPrintableAscii(text.charCodeAt(end - 1)))) end++;
      count += this.scan(text.slice(start, end), out);
      start = end;
      yield;
    }
    if (start < text.length) count += this.scan(start === 0 ? text : text.slice(start), out);
    return count;
  }

  private take(pieces: string[], out: string[] | undefined): number {
    if (out) for (const piece of pieces) out.push(piece);
    return pieces.length;
  }

  private lookup(text: string, start: number, end: number, hash: number): string[] {
    const length = end - start;
    if (length > MAX_CACHED_SEGMENT) return this.tokenize(text.slice(start, end));
    let slot = hash & this.mask;
    for (let key = this.keys[slot]; key !== undefined; key = this.keys[slot]) {
      if (this.hashes[slot] === hash && key.length === length && text.startsWith(key, start)) return this.values[slot]!;
      slot = (slot + 1) & this.mask;
    }
    // Detached, so neither this cache nor the pre-token cache behind it keeps the whole text alive.
    const segment = detached(text.slice(start, end));
    const pieces = this.tokenize(segment);
    if (this.size > this.mask >> 1) {
      this.keys.fill(undefined);
      this.values.fill(undefined);
      this.size = 0;
      slot = hash & this.mask;
    }
    this.keys[slot] = segment;
    this.values[slot] = pieces;
    this.hashes[slot] = hash;
    this.size++;
    return pieces;
  }
}

/** What may stand before a space that ends a segment (see the top of this file). */
function isPrintableAscii(c: number): boolean {
  return c > 32 && c < 127;
}
