import type { Rng } from '../random.ts';

/**
 * Strings from regular expressions. JSON Schema patterns are ECMAScript regexes that search rather
 * than match whole strings; producing a string that matches the whole pattern also satisfies the
 * search. This covers the subset real schemas use (classes, escapes, groups, alternation,
 * quantifiers, backreferences); lookarounds and word boundaries are skipped, so callers re-test the
 * result with `compilePattern`.
 */

type Node =
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'char'; text: string }
  | { kind: 'set'; ranges: Range[]; negated: boolean; complement?: number[] }
  | { kind: 'repeat'; node: Node; min: number; max: number }
  | { kind: 'group'; node: Node; index: number | undefined }
  | { kind: 'backref'; index: number }
  | { kind: 'empty' };

type Range = readonly [number, number];

const DIGIT: Range[] = [[0x30, 0x39]];
const WORD: Range[] = [
  [0x61, 0x7a],
  [0x41, 0x5a],
  [0x30, 0x39],
  [0x5f, 0x5f],
];
const SPACE: Range[] = [
  [0x20, 0x20],
  [0x09, 0x0d],
];
const LETTER: Range[] = [
  [0x61, 0x7a],
  [0x41, 0x5a],
];
const PRINTABLE: Range = [0x20, 0x7e];
/** Unbounded quantifiers (`*`, `+`, `{n,}`) repeat at most this many extra times. */
const UNBOUNDED_EXTRA = 5;
const BOUNDED_EXTRA = 8;
/** Larger fixed repeats are refused, so the caller falls back instead of building huge strings. */
const MAX_REPEAT = 1000;

const compiled = new Map<string, RegExp | null>();
const parsed = new Map<string, Node | null>();
const CACHE_LIMIT = 500;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** The pattern as validators compile it (Unicode mode first), or null when it is not a valid regex. */
export function compilePattern(pattern: string): RegExp | null {
  const hit = compiled.get(pattern);
  if (hit !== undefined) return hit;
  let re: RegExp | null = null;
  try {
    re = new RegExp(pattern, 'u');
  } catch {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
  }
  return remember(compiled, pattern, re);
}

/**
 * A string meant to match `pattern`, or undefined when the pattern cannot be parsed. With
 * `stretch`, every quantifier repeats its minimum plus `stretch` times (capped by its maximum)
 * instead of a random count, so callers can search for a string of a wanted length.
 */
export function stringFromPattern(pattern: string, rng: Rng, stretch?: number): string | undefined {
  let ast = parsed.get(pattern);
  if (ast === undefined) {
    try {
      ast = remember(parsed, pattern, new Parser(pattern).parse());
    } catch {
      ast = remember(parsed, pattern, null);
    }
  }
  if (!ast) return undefined;
  const out: string[] = [];
  emit(ast, { rng, stretch, groups: new Map() }, out);
  return out.join('');
}

interface Emitter {
  rng: Rng;
  stretch: number | undefined;
  /** Text captured by each numbered group so far, for backreferences. */
  groups: Map<number, string>;
}

class Parser {
  private pos = 0;
  private groupCount = 0;

  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.src.length) throw new Error(`unexpected ${this.src[this.pos]}`);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? (options[0] as Node) : { kind: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      items.push(this.quantified(this.atom()));
    }
    return { kind: 'seq', items };
  }

  private quantified(node: Node): Node {
    let current = node;
    for (;;) {
      const bounds = this.quantifier();
      if (!bounds) return current;
      if (this.peek() === '?') this.pos++; // lazy and greedy generate the same way
      current = { kind: 'repeat', node: current, min: bounds[0], max: bounds[1] };
    }
  }

  private quantifier(): [number, number] | undefined {
    const c = this.peek();
    if (c === '*') return this.advance([0, Infinity]);
    if (c === '+') return this.advance([1, Infinity]);
    if (c === '?') return this.advance([0, 1]);
    if (c !== '{') return undefined;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
    if (!m) return undefined;
    this.pos += m[0].length;
    const min = Number(m[1]);
    if (min > MAX_REPEAT) throw new Error(`{${min}} repeats more than ${MAX_REPEAT} times`);
    const max = m[2] === undefined ? min : m[3] === '' || m[3] === undefined ? Infinity : Number(m[3]);
    return [min, Math.max(min, max)];
  }

  private advance<T>(value: T): T {
    this.pos++;
    return value;
  }

  private atom(): Node {
    const c = this.src[this.pos++] as string;
    switch (c) {
      case '^':
      case '$':
        return { kind: 'empty' };
      case '.':
        return {
          kind: 'set',
          ranges: [
            [0x0a, 0x0a],
            [0x0d, 0x0d],
          ],
          negated: true,
        };
      case '(':
        return this.group();
      case '[':
        return this.characterClass();
      case '\\':
        return this.escape();
      default:
        return { kind: 'char', text: this.codePointFrom(c) };
    }
  }

  /** Keeps astral characters whole so a quantifier repeats the code point, not half of it. */
  private codePointFrom(first: string): string {
    const code = first.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdbff && this.pos < this.src.length) return first + this.src[this.pos++];
    return first;
  }

  private group(): Node {
    let index: number | undefined;
    let discard = false;
    if (this.src.startsWith('?:', this.pos)) this.pos += 2;
    else if (/^\?<?[=!]/.test(this.src.slice(this.pos, this.pos + 3))) {
      this.pos += this.src[this.pos + 1] === '<' ? 3 : 2;
      discard = true;
    } else {
      const named = /^\?<[A-Za-z_$][\w$]*>/.exec(this.src.slice(this.pos));
      if (named) this.pos += named[0].length;
      index = ++this.groupCount;
    }
    const node = this.alternation();
    if (this.src[this.pos++] !== ')') throw new Error('unclosed group');
    return discard ? { kind: 'empty' } : { kind: 'group', node, index };
  }

  private characterClass(): Node {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const ranges: Range[] = [];
    while (this.pos < this.src.length && this.peek() !== ']') {
      const from = this.classAtom(ranges);
      if (from === undefined) continue;
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        const to = this.classAtom(ranges);
        if (to === undefined) ranges.push([0x2d, 0x2d], [from, from]);
        else ranges.push([Math.min(from, to), Math.max(from, to)]);
      } else {
        ranges.push([from, from]);
      }
    }
    if (this.src[this.pos++] !== ']') throw new Error('unclosed class');
    return { kind: 'set', ranges, negated };
  }

  /** One class member: a code point, or undefined after adding a shorthand class such as `\d`. */
  private classAtom(ranges: Range[]): number | undefined {
    const c = this.src[this.pos++] as string;
    if (c !== '\\') return this.codePointFrom(c).codePointAt(0);
    const e = this.src[this.pos++] as string;
    const shorthand = shorthandRanges(e);
    if (shorthand) {
      ranges.push(...shorthand);
      return undefined;
    }
    if (e === 'b') return 0x08;
    if (e === 'p' || e === 'P') {
      ranges.push(...this.unicodeProperty(e === 'P'));
      return undefined;
    }
    return this.escapedCodePoint(e);
  }

  private escape(): Node {
    const e = this.src[this.pos++];
    if (e === undefined) return { kind: 'char', text: '\\' };
    const shorthand = shorthandRanges(e);
    if (shorthand) return { kind: 'set', ranges: shorthand, negated: false };
    if (e === 'b' || e === 'B') return { kind: 'empty' };
    if (e === 'p' || e === 'P') return { kind: 'set', ranges: this.unicodeProperty(e === 'P'), negated: false };
    if (/[1-9]/.test(e)) {
      const digits = /^\d*/.exec(this.src.slice(this.pos))?.[0] ?? '';
      this.pos += digits.length;
      return { kind: 'backref', index: Number(e + digits) };
    }
    if (e === 'k') {
      const named = /^<[^>]+>/.exec(this.src.slice(this.pos));
      if (named) this.pos += named[0].length;
      return { kind: 'empty' };
    }
    return { kind: 'char', text: String.fromCodePoint(this.escapedCodePoint(e)) };
  }

  private escapedCodePoint(e: string): number {
    const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, v: 0x0b, '0': 0 };
    const known = simple[e];
    if (known !== undefined) return known;
    const rest = this.src.slice(this.pos);
    const hex = e === 'x' ? /^[0-9a-fA-F]{2}/.exec(rest) : e === 'u' ? /^(?:\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4})/.exec(rest) : null;
    if (hex) {
      this.pos += hex[0].length;
      return Math.min(0x10ffff, parseInt(hex[0].replace(/[{}]/g, ''), 16));
    }
    if (e === 'c' && /^[A-Za-z]/.test(rest)) {
      this.pos++;
      return rest.charCodeAt(0) % 32;
    }
    return e.codePointAt(0) ?? 0x5c;
  }

  /** `\p{...}` approximated by ASCII members of the property; `\P{...}` by digits or letters. */
  private unicodeProperty(negated: boolean): Range[] {
    const m = /^\{([^}]*)\}/.exec(this.src.slice(this.pos));
    const name = m ? (m[1] ?? '') : '';
    if (m) this.pos += m[0].length;
    const isNumber = /^(N|Nd|Number|Decimal_Number|digit)$/i.test(name);
    const isUpper = /^(Lu|Uppercase_Letter|Upper|Uppercase)$/i.test(name);
    const isLower = /^(Ll|Lowercase_Letter|Lower|Lowercase)$/i.test(name);
    if (negated) return isNumber ? LETTER : DIGIT;
    if (isNumber) return DIGIT;
    if (isUpper) return [[0x41, 0x5a]];
    if (isLower) return [[0x61, 0x7a]];
    return LETTER;
  }
}

function shorthandRanges(e: string): Range[] | undefined {
  switch (e) {
    case 'd':
      return DIGIT;
    case 'w':
      return WORD;
    case 's':
      return SPACE;
    case 'D':
      return complement(DIGIT);
    case 'W':
      return complement(WORD);
    case 'S':
      return complement(SPACE);
    default:
      return undefined;
  }
}

/** Printable ASCII minus the given ranges (never empty for the shorthand classes). */
function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (let c = PRINTABLE[0]; c <= PRINTABLE[1]; c++) {
    if (!inRanges(c, ranges)) out.push([c, c]);
  }
  return out;
}

function inRanges(code: number, ranges: readonly Range[]): boolean {
  return ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

function emit(node: Node, e: Emitter, out: string[]): void {
  switch (node.kind) {
    case 'seq':
      for (const item of node.items) emit(item, e, out);
      return;
    case 'alt':
      emit(e.rng.pick(node.options), e, out);
      return;
    case 'char':
      out.push(node.text);
      return;
    case 'set':
      out.push(String.fromCodePoint(node.negated ? pickFromComplement(node, e.rng) : pickFromRanges(node.ranges, e.rng)));
      return;
    case 'repeat': {
      const count = node.min + repeatExtra(node, e);
      for (let i = 0; i < count; i++) emit(node.node, e, out);
      return;
    }
    case 'group': {
      const start = out.length;
      emit(node.node, e, out);
      if (node.index !== undefined) e.groups.set(node.index, out.slice(start).join(''));
      return;
    }
    case 'backref':
      out.push(e.groups.get(node.index) ?? '');
      return;
    case 'empty':
      return;
  }
}

function repeatExtra(node: { min: number; max: number }, e: Emitter): number {
  const room = node.max - node.min;
  if (e.stretch !== undefined) return Math.min(room, e.stretch);
  return e.rng.int(0, node.max === Infinity ? UNBOUNDED_EXTRA : Math.min(room, BOUNDED_EXTRA));
}

/** For `[^...]`: letters and digits outside the set, else other printable ASCII (computed once per node). */
function pickFromComplement(node: { ranges: Range[]; complement?: number[] }, rng: Rng): number {
  if (!node.complement) {
    const allowed: number[] = [];
    for (let c = PRINTABLE[0]; c <= PRINTABLE[1]; c++) if (!inRanges(c, node.ranges)) allowed.push(c);
    const alnum = allowed.filter(isAlphanumeric);
    node.complement = alnum.length > 0 ? alnum : allowed;
  }
  // Every printable ASCII character is excluded: try a Latin-1 letter.
  return node.complement.length > 0 ? rng.pick(node.complement) : 0xe9;
}

/** Prefers readable characters: printable ASCII over the rest of the set. */
function pickFromRanges(ranges: readonly Range[], rng: Rng): number {
  if (ranges.length === 0) return 0x78;
  const readable = ranges
    .filter(([lo, hi]) => hi >= PRINTABLE[0] && lo <= PRINTABLE[1])
    .map(([lo, hi]): Range => [Math.max(lo, PRINTABLE[0]), Math.min(hi, PRINTABLE[1])]);
  const pool = readable.length > 0 ? readable : ranges.filter(([lo]) => lo < 0xd800 || lo > 0xdfff);
  if (pool.length === 0) return 0x78;
  const total = pool.reduce((sum, [lo, hi]) => sum + (hi - lo + 1), 0);
  let target = rng.int(0, total - 1);
  for (const [lo, hi] of pool) {
    const size = hi - lo + 1;
    if (target < size) return lo + target;
    target -= size;
  }
  return (pool[0] as Range)[0];
}

function isAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}
