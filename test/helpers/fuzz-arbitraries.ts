import fc from 'fast-check';
import { encodeWav } from '../../src/generate/audio/wav.ts';

/**
 * fast-check arbitraries of hostile HTTP requests for every endpoint of the mock node: valid bodies
 * with mutated fields (wrong types, absurd numbers, huge strings and arrays, deep nesting), random
 * and truncated JSON, invalid UTF-8, wrong content types, broken multipart, random methods and
 * paths, and hostile control-plane calls. Shared by test/e2e/fuzz.test.ts and bench/fuzz.ts.
 *
 * Everything is generated from a seed (see `caseAt`), so a failing case is replayed exactly from
 * the seed and its index. Big values are generated as small specs (`{size, alphabet}`) and only
 * built at the end, so a 100 000-item array costs one `fill`, not 100 000 draws.
 */

/** One request: everything needed to send it, and the generator that made it (for the statistics). */
export interface FuzzRequest {
  kind: string;
  method: string;
  /** Path and query, sent as is. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** The key every paid fuzz request uses: a separate account, so its balance can be checked to the msat. */
export const FUZZ_KEY = 'sk-fuzz-7f3a9c0e5b1d4a2c8e6f0b3d5a7c9e1f';
export const FUZZ_BALANCE_MSATS = 10_000_000_000;

/** The largest request body a node accepts by default (src/node/app.ts). */
export const BODY_LIMIT = 32 * 1024 * 1024;

// ---- Building blocks -------------------------------------------------------------------------

/** A tiny seeded PRNG (mulberry32), for building big values cheaply from a generated seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Alphabets of huge strings: each stresses something else (one BPE pre-token, CJK, surrogates, escapes...). */
const ALPHABETS: Record<string, string[]> = {
  'one letter': ['x'],
  spaces: [' '],
  newlines: ['\n'],
  'letters, no breaks': [...'abcdefghijklmnopqrstuvwxyz'],
  words: [...'abcdefghijklmnopqrstuvwxyz     '],
  cjk: [...'日本語中文字漢字東京大阪北京上海山川水火木金土'],
  emoji: ['🚀', '🔥', '👍🏽', '🇫🇷', '👨‍👩‍👧'],
  'combining marks': ['e\u0301', 'a\u0308\u0323', '\u0e01\u0e34', '\u0915\u094d\u0937'],
  digits: [...'0123456789'],
  punctuation: [...'=-_*#~.,;:!?/\\|'],
  escapes: ['"', '\\', '\u0000', '\u001f', '\u2028', '\ufeff'],
  'lone surrogates': ['\ud800', '\udfff', 'a'],
};

/** A string of `length` UTF-16 units drawn from an alphabet by a seeded PRNG. */
export function filler(length: number, alphabet: string[], seed: number): string {
  if (alphabet.length === 1) return alphabet[0]!.repeat(Math.ceil(length / alphabet[0]!.length)).slice(0, length);
  const rand = prng(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const piece = alphabet[Math.floor(rand() * alphabet.length)]!;
    parts.push(piece);
    size += piece.length;
  }
  return parts.join('');
}

/**
 * JSON text JSON.stringify cannot write: a string value `"@@NAME@@"` in a generated body is
 * replaced by the literal here after serialisation (deep nesting too, so no recursion in this process).
 */
const RAW_LITERALS: Record<string, string> = {
  INF: '1e999',
  NEGINF: '-1e999',
  BIGINT: '123456789012345678901234567890',
  NEGZERO: '-0',
  LONGFRACTION: '1.00000000000000000000000000000000000001',
  EXPONENT: '1E2',
  TINY: '1e-400',
};

function deepText(kind: string, depth: number): string {
  if (kind === 'array') return `${'['.repeat(depth)}0${']'.repeat(depth)}`;
  if (kind === 'object') return `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(i % 2 ? '[' : '{"a":');
    close.push(i % 2 ? ']' : '}');
  }
  return `${open.join('')}0${close.reverse().join('')}`;
}

const PLACEHOLDER = /"@@([A-Z]+)(?:_([a-z]+)_(\d+))?@@"/g;

/**
 * JSON text of a generated body, with the raw literals and deep nests put in. A body that would
 * grow past twice the body limit that way (a deep nest repeated in a big array) gets plain zeros
 * instead: it could not be sent, and could not even be built as one string.
 */
export function serialize(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  if (!text.includes('"@@')) return text;
  let growth = 0;
  for (const m of text.matchAll(PLACEHOLDER)) if (m[1] === 'DEEP') growth += 6 * Number(m[3]);
  const tooBig = text.length + growth > 2 * BODY_LIMIT;
  return text.replace(PLACEHOLDER, (match, name: string, kind?: string, depth?: string) => {
    if (name === 'DEEP' && kind && depth) return tooBig ? '0' : deepText(kind, Number(depth));
    return RAW_LITERALS[name] ?? match;
  });
}

const OBJECT_WITH_PROTO: unknown = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');

/** Small values of the wrong type or shape for any field. */
const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  1.5,
  '',
  ' ',
  'NaN',
  'null',
  'true',
  '0',
  '1e999',
  '[]',
  '{}',
  'héllo wörld ✓ 日本語 🚀',
  '\u0000\u0001\u001f',
  '\u202eevil\u202c',
  '\ud83d',
  '\udfff\ud800',
  '<script>alert(1)</script>',
  "'; DROP TABLE keys; --",
  '%s%s%n',
  '${process.exit()}',
  'gpt-4o-mini',
  'whisper-1',
  'user',
  'assistant',
  'tool',
  'function',
  'json_schema',
  'auto',
  'required',
  'none',
  'b64_json',
  'base64',
  'wav',
  '1024x1024',
  [],
  {},
  [null],
  [{}],
  [[]],
  [1, 'a', null],
  { role: 'user' },
  { type: 'function' },
  { type: 'text' },
  { '': '' },
  OBJECT_WITH_PROTO,
  { toString: 1, valueOf: 'x', hasOwnProperty: null, length: 1e9 },
];

/** Numbers at and beyond every range the endpoints check. */
const ABSURD_NUMBERS: unknown[] = [
  1e9,
  -1,
  0,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  2 ** 31,
  2 ** 31 - 1,
  2 ** 32,
  2 ** 63,
  1e7,
  99_999,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  0.5,
  1e-7,
  128,
  129,
  2048,
  2049,
  4096,
  4097,
  16_384,
  16_385,
  1e21,
  123_456_789.123,
  '@@INF@@',
  '@@NEGINF@@',
  '@@BIGINT@@',
  '@@NEGZERO@@',
  '@@LONGFRACTION@@',
  '@@EXPONENT@@',
  '@@TINY@@',
];

/** Sizes of generated big values: strings (UTF-16 units), arrays, objects, nesting. */
export interface FuzzSizes {
  strings: number[];
  arrays: number[];
  keys: number[];
  depths: number[];
}

export const DEFAULT_SIZES: FuzzSizes = {
  strings: [1_000, 10_000, 100_000, 1_000_000, 8_000_000],
  arrays: [1_000, 10_000, 100_000],
  keys: [1_000, 100_000],
  depths: [100, 1_000, 10_000, 100_000],
};

function hugeString(sizes: FuzzSizes): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...Object.keys(ALPHABETS)), fc.constantFrom(...sizes.strings), fc.integer())
    .map(([alphabet, length, seed]) => filler(length, ALPHABETS[alphabet]!, seed));
}

function hugeArray(sizes: FuzzSizes): fc.Arbitrary<unknown[]> {
  const items: unknown[] = [0, 'a', 'hello world', null, {}, [], 1e9, [1, 2, 3], { role: 'user', content: 'hi' }, { type: 'text', text: 'x' }];
  // Objects are copied per item: a later mutation of one item must not change them all.
  return fc
    .tuple(fc.constantFrom(...sizes.arrays), fc.constantFrom(...items))
    .map(([n, item]) =>
      item !== null && typeof item === 'object' ? Array.from({ length: n }, () => structuredClone(item)) : new Array<unknown>(n).fill(item),
    );
}

function wideObject(sizes: FuzzSizes): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom(...sizes.keys).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
}

function deepValue(sizes: FuzzSizes): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom('array', 'object', 'mixed'), fc.constantFrom(...sizes.depths)).map(([kind, depth]) => `@@DEEP_${kind}_${depth}@@`);
}

/** A value for any field: wrong types, absurd numbers, unicode, random JSON, and now and then something huge. */
export function hostileValue(sizes: FuzzSizes = DEFAULT_SIZES): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...WEIRD_VALUES) },
    { weight: 6, arbitrary: fc.constantFrom(...ABSURD_NUMBERS) },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 2, arbitrary: hugeString(sizes) },
    { weight: 1, arbitrary: hugeArray(sizes) },
    { weight: 1, arbitrary: wideObject(sizes) },
    { weight: 1, arbitrary: deepValue(sizes) },
  );
}

// ---- Mutations of valid bodies -----------------------------------------------------------------

type Path = (string | number)[];

/** Every path into a value, to depth 5 (so an inserted 100 000-item array is one path, its items a few). */
function paths(value: unknown, prefix: Path = [], out: Path[] = [], depth = 0): Path[] {
  if (depth > 5 || value === null || typeof value !== 'object') return out;
  const entries = Object.entries(value);
  for (const [k, v] of entries.length > 64 ? entries.slice(0, 64) : entries) {
    const key = Array.isArray(value) ? Number(k) : k;
    out.push([...prefix, key]);
    paths(v, [...prefix, key], out, depth + 1);
  }
  return out;
}

type Container = Record<string | number, unknown>;

function parentOf(root: unknown, path: Path): Container | undefined {
  let node = root as Container;
  for (const key of path.slice(0, -1)) {
    node = node[key] as Container;
    if (node === null || typeof node !== 'object') return undefined;
  }
  return node;
}

interface Mutation {
  at: number;
  op: 'delete' | 'replace' | 'wrap' | 'extra' | 'append';
  value: unknown;
  extraKey: string;
  suffix: string;
}

const EXTRA_KEYS = [
  'n',
  'stream',
  'stream_options',
  'seed',
  'user',
  'logit_bias',
  'metadata',
  'store',
  'modalities',
  'prediction',
  'audio',
  'max_tokens',
  'max_completion_tokens',
  'dimensions',
  'size',
  'speed',
  'input',
  'prompt',
  'messages',
  'tools',
  'tool_choice',
  'response_format',
  'logprobs',
  'top_logprobs',
  'echo',
  'best_of',
  'suffix',
  '__proto__',
  'constructor',
  '',
];

function mutation(sizes: FuzzSizes): fc.Arbitrary<Mutation> {
  return fc.record({
    at: fc.nat(),
    op: fc.constantFrom('delete', 'replace', 'replace', 'replace', 'wrap', 'extra', 'extra', 'append'),
    value: hostileValue(sizes),
    extraKey: fc.constantFrom(...EXTRA_KEYS),
    suffix: fc.constantFrom('\u0000', '🚀', '\ud800', '"', '\\', ' ', 'x'.repeat(5000)),
  });
}

/** Applies mutations to a copy of `body`; each picks a path by index among those present then. */
function mutate(body: unknown, mutations: Mutation[]): unknown {
  const root = { body: structuredClone(body) };
  for (const m of mutations) {
    const all = paths(root);
    if (all.length === 0) break; // the body itself was deleted
    const path = all[m.at % all.length]!;
    const parent = parentOf(root, path);
    const key = path[path.length - 1]!;
    if (!parent) continue;
    switch (m.op) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      case 'replace':
        parent[key] = structuredClone(m.value);
        break;
      case 'wrap':
        parent[key] = m.at % 2 ? [parent[key]] : { value: parent[key] };
        break;
      case 'extra': {
        const target = parent[key] !== null && typeof parent[key] === 'object' && !Array.isArray(parent[key]) ? (parent[key] as Container) : root.body;
        if (target && typeof target === 'object') {
          Object.defineProperty(target, m.extraKey, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
        }
        break;
      }
      case 'append':
        parent[key] = typeof parent[key] === 'string' ? `${parent[key] as string}${m.suffix}` : String(parent[key]);
        break;
    }
  }
  return root.body;
}

// ---- Raw-text tweaks: broken JSON and broken encodings -------------------------------------------

interface Tweak {
  op:
    | 'none'
    | 'truncate'
    | 'append'
    | 'double colon'
    | 'bare NaN'
    | 'invalid utf-8'
    | 'bom'
    | 'utf-16'
    | 'leading nul'
    | 'duplicate key'
    | 'comment'
    | 'trailing comma'
    | 'single quotes';
  at: number;
  junk: string;
  bytes: number[];
}

const INVALID_UTF8: number[][] = [
  [0xff],
  [0xc3],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80, 0x80, 0x80],
  [0xfe, 0xfe, 0xff, 0xff],
];

const tweak: fc.Arbitrary<Tweak> = fc.record({
  op: fc.oneof(
    { weight: 20, arbitrary: fc.constant('none' as const) },
    {
      weight: 8,
      arbitrary: fc.constantFrom(
        'truncate',
        'append',
        'double colon',
        'bare NaN',
        'invalid utf-8',
        'invalid utf-8',
        'bom',
        'utf-16',
        'leading nul',
        'duplicate key',
        'comment',
        'trailing comma',
        'single quotes',
      ),
    },
  ),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  junk: fc.constantFrom('}', ']', ',', 'x', '\u0000', '}}}}', '{', '"', ' garbage', '\n\n'),
  bytes: fc.constantFrom(...INVALID_UTF8),
});

function applyTweak(text: string, t: Tweak): Buffer {
  const at = Math.floor(t.at * text.length);
  switch (t.op) {
    case 'none':
      return Buffer.from(text);
    case 'truncate':
      return Buffer.from(text.slice(0, at));
    case 'append':
      return Buffer.from(`${text}${t.junk}`);
    case 'double colon':
      return Buffer.from(text.replace(':', '::'));
    case 'bare NaN':
      return Buffer.from(text.replace(/:\s*("[^"]*"|-?\d[\d.eE+-]*|true|false|null)/, ': NaN'));
    case 'invalid utf-8': {
      const bytes = Buffer.from(text);
      // Right after a quote where there is one, so the bad bytes land inside a string.
      const quote = bytes.indexOf(0x22, Math.floor(t.at * bytes.length));
      const pos = quote >= 0 ? quote + 1 : Math.floor(t.at * bytes.length);
      return Buffer.concat([bytes.subarray(0, pos), Buffer.from(t.bytes), bytes.subarray(pos)]);
    }
    case 'bom':
      return Buffer.from(`\uFEFF${text}`);
    case 'utf-16':
      return Buffer.from(text, 'utf16le');
    case 'leading nul':
      return Buffer.from(`\u0000${text}`);
    case 'duplicate key':
      return Buffer.from(text.replace('{', '{"model":"x","model":7,'));
    case 'comment':
      return Buffer.from(text.replace('{', '{/* comment */'));
    case 'trailing comma':
      return Buffer.from(text.replace(/}$/, ',}'));
    case 'single quotes':
      return Buffer.from(text.replaceAll('"', "'"));
  }
}

// ---- Headers: credentials and content types ----------------------------------------------------

const printable = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });

/** A cashuA token of the default scenario's mint with these proof amounts: forged (the fake mint needs no signature). */
function forgedToken(amounts: number[], unit: 'sat' | 'msat'): string {
  const proofs = amounts.map((amount, i) => ({
    id: '00ad268c4d1f5826',
    amount,
    secret: `fuzz-huge-${unit}-${amounts.join('-')}-${i}`,
    C: `02${'ab'.repeat(32)}`,
  }));
  return `cashuA${Buffer.from(JSON.stringify({ token: [{ mint: 'http://mint.mock.local', proofs }], unit })).toString('base64url')}`;
}

/**
 * Tokens worth more than the ledger holds exactly (2^40 msats, src/payment/limits.ts): every door
 * must refuse them with a 400 before anything is spent, so they never credit the fuzz key.
 */
export const HUGE_TOKENS: readonly string[] = [
  forgedToken([2 ** 40 + 1], 'msat'),
  forgedToken([2 ** 41], 'msat'),
  forgedToken([2 ** 52], 'msat'),
  forgedToken([Number.MAX_SAFE_INTEGER], 'msat'),
  forgedToken([2 ** 40, 2 ** 40], 'msat'),
  forgedToken([1_099_511_628], 'sat'),
  forgedToken([2 ** 31], 'sat'),
  forgedToken([2 ** 52, 2 ** 52], 'sat'),
];

/** Mostly the funded fuzz key; sometimes none, garbage, or a broken Cashu token. Never another funded key. */
const credential: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 24, arbitrary: fc.constant({ authorization: `Bearer ${FUZZ_KEY}` }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<Record<string, string>>(
      {},
      { authorization: 'Bearer sk-nope' },
      { authorization: 'Bearer ' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer cashuAeyJ0b2tlbiI6W119' },
      { authorization: 'Bearer cashuBo2F0gaJhaUgAAAAAAAAAAGFwgA' },
      { authorization: `Bearer cashuA${'A'.repeat(6000)}` },
      { 'x-cashu': 'cashuAgarbage' },
      { 'x-cashu': 'cashuBo2F0gaJhaUgAAAAAAAAAAGFwgA' },
      { 'x-cashu': 'not-a-token' },
      { 'x-cashu': '' },
      { authorization: `Bearer ${FUZZ_KEY}`, 'x-cashu': 'cashuAgarbage' },
    ),
  },
  { weight: 1, arbitrary: printable(200).map((s) => ({ authorization: `Bearer ${s}` })) },
  { weight: 1, arbitrary: printable(200).map((s) => ({ 'x-cashu': s })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...HUGE_TOKENS), fc.boolean())
      .map(([token, xcashu]): Record<string, string> => (xcashu ? { 'x-cashu': token } : { authorization: `Bearer ${token}` })),
  },
  // A new long key every time: per-key rule counters and the rate limiter must not keep each one.
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom(1000, 4000, 12_000)).map(([n, length]) => ({ authorization: `Bearer sk-${n}-${'k'.repeat(length)}` })),
  },
);

/** A credential for the account endpoints that move money out (refund): never the fuzz key. */
const foreignCredential: fc.Arbitrary<Record<string, string>> = fc.constantFrom<Record<string, string>>(
  {},
  { authorization: 'Bearer sk-nope' },
  { authorization: 'Bearer cashuAeyJ0b2tlbiI6W119' },
  { authorization: 'Basic dXNlcjpwYXNz' },
  { 'x-cashu': 'cashuAgarbage' },
  { 'x-cashu': 'not-a-token' },
);

const JSON_TYPE = 'application/json';

/** What the body claims to be: mostly JSON, sometimes anything else, sometimes nothing. */
const contentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 20, arbitrary: fc.constant(JSON_TYPE) },
  {
    weight: 6,
    arbitrary: fc.constantFrom<string | null>(
      null,
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=routstr-fuzz',
      'multipart/form-data',
      'application/octet-stream',
      'application/jsonx',
      'text/json',
      'application/vnd.api+json',
      '',
      ';',
      'application/json;;;',
      'application/json, text/plain',
      '*/*',
      'application/json; boundary=x',
    ),
  },
  { weight: 1, arbitrary: printable(60) },
);

const prefix = fc.constantFrom('/v1', '/v1', '/v1', '');

/** Extra headers now and then: the ones the node reads, with junk values. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('x-stainless-retry-count', 'origin', 'x-mock-session', 'accept', 'accept-encoding', 'content-encoding', 'x-request-id'),
        printable(100),
      )
      .map(([name, value]) => ({ [name]: value })),
  },
  // A new long session every time: per-session rule counters must not keep each one.
  { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constantFrom(1000, 8000)).map(([n, length]) => ({ 'x-mock-session': `s${n}-${'s'.repeat(length)}` })) },
);

function headersOf(...parts: (Record<string, string> | null | undefined)[]): Record<string, string> {
  return Object.assign({}, ...parts.filter(Boolean));
}

// ---- Valid-looking bodies per JSON endpoint ------------------------------------------------------

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a city',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 }, unit: { enum: ['c', 'f'] } },
      required: ['location'],
    },
  },
};

const PERSON_SCHEMA = {
  type: 'json_schema',
  json_schema: {
    name: 'person',
    strict: true,
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 40 },
        age: { type: 'integer', minimum: 0, maximum: 120 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
      },
      required: ['name', 'age', 'tags'],
      additionalProperties: false,
    },
  },
};

/** Schemas whose values are as big as the generator allows: a thousand 16 kB strings. */
const BIG_SCHEMA = { type: 'array', minItems: 1000, items: { type: 'string', minLength: 16_384 } };
const BIG_TOOL = {
  type: 'function',
  function: { name: 'write_story', description: 'Write a long story', parameters: { type: 'object', properties: { parts: BIG_SCHEMA }, required: ['parts'] } },
};

const MESSAGES: unknown[] = [
  [{ role: 'user', content: 'Say hello' }],
  [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Explain how a lighthouse works' },
  ],
  [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this image?' },
        { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      ],
    },
  ],
  [
    { role: 'user', content: 'What is the weather in Paris?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21 C' },
  ],
  [
    { role: 'developer', content: 'Answer in JSON.' },
    { role: 'user', content: 'Write a short story about a cat', name: 'alice' },
  ],
];

const chatBody = fc
  .record(
    {
      model: fc.constantFrom('gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o', 'gpt-3.5-turbo', 'gpt-4'),
      messages: fc.constantFrom(...MESSAGES),
      max_tokens: fc.integer({ min: 1, max: 64 }),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      n: fc.integer({ min: 1, max: 3 }),
      stream: fc.boolean(),
      seed: fc.integer(),
      stop: fc.constantFrom<unknown>('.', ['\n', 'END']),
      tools: fc.constantFrom<unknown>(
        [WEATHER_TOOL],
        [WEATHER_TOOL],
        [BIG_TOOL],
        Array.from({ length: 64 }, () => BIG_TOOL),
      ),
      response_format: fc.constantFrom<unknown>(
        { type: 'json_object' },
        PERSON_SCHEMA,
        { type: 'text' },
        { type: 'json_schema', json_schema: { name: 'big', schema: BIG_SCHEMA } },
      ),
      logprobs: fc.boolean(),
      top_logprobs: fc.integer({ min: 0, max: 5 }),
      tool_choice: fc.constantFrom<unknown>('auto', 'required', 'none', { type: 'function', function: { name: 'get_weather' } }),
      stream_options: fc.constant({ include_usage: true }),
    },
    { requiredKeys: ['model', 'messages'] },
  )
  .map((body) => {
    // Mostly coherent, so the mutations start from bodies that reach generation.
    const b: Record<string, unknown> = { ...body };
    if (!b.stream) delete b.stream_options;
    if (!b.tools) delete b.tool_choice;
    if (!b.logprobs) delete b.top_logprobs;
    return b;
  });

const completionsBody = fc
  .record(
    {
      model: fc.constantFrom('gpt-4o-mini', 'gpt-3.5-turbo'),
      prompt: fc.constantFrom<unknown>(
        'Say hello',
        'Once upon a time',
        ['a', 'b'],
        [1, 2, 3],
        [
          [15339, 1917],
          [3, 4],
        ],
      ),
      max_tokens: fc.integer({ min: 0, max: 32 }),
      n: fc.integer({ min: 1, max: 3 }),
      echo: fc.boolean(),
      logprobs: fc.integer({ min: 0, max: 5 }),
      stream: fc.boolean(),
      suffix: fc.constant(' The end.'),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      stop: fc.constant(['\n']),
    },
    { requiredKeys: ['model', 'prompt'] },
  )
  .map((b) => ({ ...b }) as Record<string, unknown>);

const embeddingsBody = fc
  .record(
    {
      model: fc.constantFrom('text-embedding-3-small', 'text-embedding-3-large'),
      input: fc.constantFrom<unknown>('hello', ['hello', 'world'], [15339, 1917], [[15339], [1917, 0]]),
      dimensions: fc.integer({ min: 1, max: 64 }),
      encoding_format: fc.constantFrom('float', 'base64'),
    },
    { requiredKeys: ['model', 'input'] },
  )
  .map((b) => ({ ...b }) as Record<string, unknown>);

const imagesBody = fc
  .oneof(
    fc.record(
      {
        model: fc.constant('dall-e-3'),
        prompt: fc.constantFrom('A lighthouse at dusk', 'a cat'),
        size: fc.constantFrom('1024x1024', '1792x1024'),
        n: fc.constant(1),
        response_format: fc.constantFrom('url', 'url', 'b64_json'),
        quality: fc.constantFrom('standard', 'hd'),
        style: fc.constantFrom('vivid', 'natural'),
      },
      { requiredKeys: ['model', 'prompt'] },
    ),
    fc.record(
      {
        model: fc.constant('gpt-image-1'),
        prompt: fc.constantFrom('A lighthouse at dusk', 'a cat'),
        size: fc.constantFrom('1024x1024', 'auto'),
        n: fc.integer({ min: 1, max: 2 }),
        quality: fc.constantFrom('low', 'medium', 'high'),
      },
      { requiredKeys: ['model', 'prompt'] },
    ),
  )
  .map((b) => ({ ...b }) as Record<string, unknown>);

const speechBody = fc
  .record(
    {
      model: fc.constant('tts-1'),
      input: fc.constantFrom('Hello there.', 'The quick brown fox jumps over the lazy dog.'),
      voice: fc.constantFrom('alloy', 'echo', 'nova', 'verse'),
      response_format: fc.constantFrom('wav', 'pcm', 'flac', 'mp3'),
      speed: fc.double({ min: 0.25, max: 4, noNaN: true }),
    },
    { requiredKeys: ['model', 'input', 'voice'] },
  )
  .map((b) => ({ ...b }) as Record<string, unknown>);

/** Fields each endpoint checks, and values at or past the edge of what it allows. */
const ABSURD_FIELDS: Record<string, { fields: string[]; values: unknown[] }> = {
  '/chat/completions': {
    fields: ['n', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_logprobs', 'seed', 'presence_penalty', 'logit_bias', 'stop'],
    values: [128, 129, 1e9, -1, 0, 2 ** 53, 16_384, 16_385, 1e308, '@@INF@@', '@@BIGINT@@', { '50256': -100, '1': 1e9 }, ['a', 'b', 'c', 'd', 'e']],
  },
  '/completions': {
    fields: ['n', 'best_of', 'max_tokens', 'logprobs', 'prompt', 'echo', 'suffix'],
    values: [
      128,
      20,
      1e9,
      -1,
      0,
      2 ** 53,
      16_384,
      new Array(5000).fill('lighthouse'),
      new Array(100_000).fill('a'),
      new Array(20_000).fill([1, 2, 3]),
      [[1e9]],
      [[-1]],
      [200_018, 100_276],
      '@@INF@@',
    ],
  },
  '/embeddings': {
    fields: ['dimensions', 'input', 'encoding_format'],
    values: [
      1e7,
      3072,
      3073,
      0,
      -1,
      2 ** 53,
      new Array(2048).fill('lighthouse keeper'),
      new Array(2049).fill('a'),
      new Array(100_000).fill('a'),
      new Array(2048).fill('lighthouse '.repeat(700)),
      [1e9],
      [-1],
      [[200_018]],
      new Array(2048).fill(new Array(8000).fill(1)),
    ],
  },
  '/images/generations': {
    fields: ['n', 'size', 'prompt', 'quality', 'response_format'],
    values: [
      10,
      11,
      1e9,
      -1,
      0,
      '99999x99999',
      '2048x2048',
      '2049x1',
      '0x0',
      '-1x-1',
      '1x99999',
      'autox',
      ' 1024x1024',
      '1024X1024',
      '1e3x1e3',
      'x'.repeat(32_001),
    ],
  },
  '/audio/speech': {
    fields: ['input', 'speed', 'response_format', 'voice'],
    values: [0.25, 4, 1e-9, 1e9, 0, -1, 'x'.repeat(4096), 'The quick brown fox. '.repeat(195), 'x'.repeat(4097), 'opus', 'aac', 'pcm', 'ogg', '@@INF@@'],
  },
};

const VALID_BODIES: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  '/chat/completions': chatBody,
  '/completions': completionsBody,
  '/embeddings': embeddingsBody,
  '/images/generations': imagesBody,
  '/audio/speech': speechBody,
};

export const JSON_ENDPOINTS = Object.keys(VALID_BODIES);

/** Where each endpoint takes text it tokenizes: a huge or hostile string goes there. */
const TEXT_FIELDS: Record<string, (text: string) => Record<string, unknown>> = {
  '/chat/completions': (text) => ({ messages: [{ role: 'user', content: text }] }),
  '/completions': (text) => ({ prompt: text }),
  '/embeddings': (text) => ({ input: text }),
  '/images/generations': (text) => ({ prompt: text }),
  '/audio/speech': (text) => ({ input: text }),
};

const TEXT_SPREADS: ((text: string) => Record<string, unknown>)[] = [
  (text) => ({ messages: [{ role: 'user', content: [{ type: 'text', text }] }] }),
  (text) => ({
    messages: [
      { role: 'system', content: text },
      { role: 'user', content: text },
    ],
    n: 2,
  }),
  (text) => ({ messages: [{ role: 'user', content: 'Call the tool' }], tools: [{ type: 'function', function: { name: 'f', description: text } }] }),
  (text) => ({ messages: [{ role: 'user', content: 'hi', name: text }] }),
  (text) => ({ prompt: [text, text], echo: true, logprobs: 5 }),
  (text) => ({ input: [text, text, text] }),
];

/** A valid body with its text field(s) replaced by a huge string of one alphabet (the tokenizer's worst cases). */
function hugeTextBody(endpoint: string, sizes: FuzzSizes): fc.Arbitrary<unknown> {
  const own = TEXT_FIELDS[endpoint]!;
  const spreads = TEXT_SPREADS.filter((f) => Object.keys(f('')).some((k) => k in own('') || (endpoint === '/chat/completions' && k === 'messages')));
  return fc
    .tuple(VALID_BODIES[endpoint]!, hugeString({ ...sizes, strings: [100, 1000, 4000, 32_000, ...sizes.strings] }), fc.constantFrom(own, ...spreads))
    .map(([body, text, place]) => ({ ...body, ...place(text) }));
}

/** Sets one to three fields of a valid body to absurd values: `n: 1e9`, `size: "99999x99999"`... */
function absurdBody(endpoint: string): fc.Arbitrary<unknown> {
  const { fields, values } = ABSURD_FIELDS[endpoint]!;
  return fc
    .tuple(VALID_BODIES[endpoint]!, fc.array(fc.tuple(fc.constantFrom(...fields), fc.constantFrom(...values)), { minLength: 1, maxLength: 3 }))
    .map(([body, sets]) => {
      const out = { ...body };
      for (const [field, value] of sets) out[field] = value;
      return out;
    });
}

/** A whole JSON body of any shape: random JSON, a scalar, an array, or text that is no JSON at all. */
const randomBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.json({ maxDepth: 4 }).map((t) => Buffer.from(t)),
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((t) => Buffer.from(t)),
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc
    .constantFrom('', ' ', 'null', '[]', '{}', '"x"', '0', 'true', '{"model":', '[{"model":"gpt-4o-mini"}]', '\uFEFF', '{"a":1}{"b":2}')
    .map((t) => Buffer.from(t)),
);

/** A body over the node's limit (413), made of repeats so it costs nothing to generate. */
const oversizeBody: fc.Arbitrary<Buffer> = fc.constantFrom('x', '{"a":').map((unit) => Buffer.alloc(BODY_LIMIT + 1024, unit));

function jsonEndpointRequest(endpoint: string, sizes: FuzzSizes): fc.Arbitrary<FuzzRequest> {
  const body: fc.Arbitrary<{ kind: string; bytes: Buffer }> = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(VALID_BODIES[endpoint]!, tweak).map(([b, t]) => ({ kind: 'valid', bytes: applyTweak(serialize(b), t) })) },
    {
      weight: 8,
      arbitrary: fc
        .tuple(VALID_BODIES[endpoint]!, fc.array(mutation(sizes), { minLength: 1, maxLength: 3 }), tweak)
        .map(([b, m, t]) => ({ kind: 'mutated', bytes: applyTweak(serialize(mutate(b, m)), t) })),
    },
    { weight: 4, arbitrary: fc.tuple(absurdBody(endpoint), tweak).map(([b, t]) => ({ kind: 'absurd', bytes: applyTweak(serialize(b), t) })) },
    { weight: 2, arbitrary: hugeTextBody(endpoint, sizes).map((b) => ({ kind: 'huge text', bytes: Buffer.from(serialize(b)) })) },
    // A valid body naming a huge model: 400 invalid_model, and the journal and coverage keep only its start.
    {
      weight: 1,
      arbitrary: fc
        .tuple(VALID_BODIES[endpoint]!, hugeString(sizes))
        .map(([b, model]) => ({ kind: 'huge model', bytes: Buffer.from(serialize({ ...(b as Record<string, unknown>), model })) })),
    },
    { weight: 2, arbitrary: randomBody.map((bytes) => ({ kind: 'random', bytes })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'empty', bytes: Buffer.alloc(0) }) },
  );
  return fc
    .record({
      prefix,
      body,
      type: contentType,
      credential,
      extra: extraHeaders,
      method: fc.oneof({ weight: 30, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'GET', 'DELETE') }),
    })
    .map(({ prefix: p, body: b, type, credential: c, extra, method }) => ({
      kind: `${endpoint.slice(1)} ${b.kind}`,
      method,
      path: `${p}${endpoint}`,
      headers: headersOf(c, extra, type === null ? null : { 'content-type': type }),
      ...(b.bytes.length > 0 || method === 'POST' ? { body: b.bytes } : {}),
    }));
}

// ---- Multipart uploads ------------------------------------------------------------------------------

/** One second of silence, the valid upload. */
const WAV = encodeWav(new Int16Array(16_000), 16_000);

/** A RIFF/WAVE header with any values in its fields, then `dataBytes` of silence. */
export function craftedWav(f: {
  formatTag: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  fact: number | null;
  declared: number | null;
  dataBytes: number;
}): Buffer {
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(f.formatTag, 8);
  fmt.writeUInt16LE(f.channels, 10);
  fmt.writeUInt32LE(f.sampleRate >>> 0, 12);
  fmt.writeUInt32LE(f.byteRate >>> 0, 16);
  fmt.writeUInt16LE(f.blockAlign, 20);
  fmt.writeUInt16LE(16, 22);
  const fact = Buffer.alloc(f.fact === null ? 0 : 12);
  if (f.fact !== null) {
    fact.write('fact', 0, 'latin1');
    fact.writeUInt32LE(4, 4);
    fact.writeUInt32LE(f.fact >>> 0, 8);
  }
  const data = Buffer.alloc(8 + f.dataBytes);
  data.write('data', 0, 'latin1');
  data.writeUInt32LE((f.declared ?? f.dataBytes) >>> 0, 4);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + fmt.length + fact.length + data.length, 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, fmt, fact, data]);
}

/** A FLAC STREAMINFO claiming any sample rate and number of samples (36 bits), and no frames. */
function craftedFlac(sampleRate: number, totalSamples: number): Buffer {
  const info = Buffer.alloc(34);
  info.writeUInt16BE(4096, 0);
  info.writeUInt16BE(4096, 2);
  // 20 bits of sample rate, 3 of channels-1, 5 of bits-1, 36 of total samples.
  const rate = sampleRate & 0xfffff;
  info[10] = (rate >>> 12) & 0xff;
  info[11] = (rate >>> 4) & 0xff;
  const high = Math.floor(totalSamples / 2 ** 32) & 0xf;
  info[12] = ((rate & 0xf) << 4) | (0 << 1) | ((15 >>> 4) & 1);
  info[13] = ((15 & 0xf) << 4) | high;
  info.writeUInt32BE((totalSamples % 2 ** 32) >>> 0, 14);
  return Buffer.concat([Buffer.from('fLaC', 'latin1'), Buffer.from([0x80, 0, 0, 34]), info]);
}

/** An MPEG-1 Layer III frame with a Xing header claiming `frames` frames. */
function craftedMp3(frames: number): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64], 0);
  frame.write('Xing', 4 + 32, 'latin1');
  frame.writeUInt32BE(1, 4 + 36);
  frame.writeUInt32BE(frames >>> 0, 4 + 40);
  return Buffer.concat([frame, frame.subarray(0, 4), Buffer.alloc(413)]);
}

const audioFile: fc.Arbitrary<{ name: string; bytes: Buffer }> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ name: 'valid wav', bytes: WAV }) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        formatTag: fc.constantFrom(1, 3, 0xfffe, 2, 85, 0, 0xffff),
        channels: fc.constantFrom(0, 1, 2, 0xffff),
        sampleRate: fc.constantFrom(0, 1, 2, 8000, 16_000, 0xffffffff),
        byteRate: fc.constantFrom(0, 1, 32_000, 0xffffffff),
        blockAlign: fc.constantFrom(0, 1, 2, 0xffff),
        fact: fc.constantFrom(null, 0, 1, 0xffffffff, 1e6),
        declared: fc.constantFrom(null, 0, 0xffffffff, 1e9),
        dataBytes: fc.constantFrom(0, 2, 16, 32_000, 1_000_000),
      })
      .map((f) => ({ name: 'crafted wav', bytes: craftedWav(f) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(1, 8000, 0xfffff, 0), fc.constantFrom(0, 1, 2 ** 36 - 1, 44_100))
      .map(([rate, total]) => ({ name: 'crafted flac', bytes: craftedFlac(rate, total) })),
  },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 0xffffffff, 100_000).map((n) => ({ name: 'crafted mp3', bytes: craftedMp3(n) })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((b) => ({ name: 'random bytes', bytes: Buffer.from(b) })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { name: 'empty', bytes: Buffer.alloc(0) },
      { name: 'text', bytes: Buffer.from('not audio at all') },
      { name: 'truncated wav', bytes: WAV.subarray(0, 30) },
      { name: 'id3 only', bytes: Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000', 'latin1') },
      { name: 'ogg magic', bytes: Buffer.concat([Buffer.from('OggS', 'latin1'), Buffer.alloc(200, 0xff)]) },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant(0).map(() => ({ name: 'over 25 MiB', bytes: Buffer.concat([WAV.subarray(0, 44), Buffer.alloc(25 * 1024 * 1024 + 10)]) })),
  },
);

interface Part {
  name: string;
  value?: string;
  file?: { filename: string; type: string; bytes: Buffer };
}

const formField: fc.Arbitrary<Part> = fc.oneof(
  fc.constantFrom<Part>(
    { name: 'response_format', value: 'json' },
    { name: 'response_format', value: 'verbose_json' },
    { name: 'response_format', value: 'srt' },
    { name: 'response_format', value: 'vtt' },
    { name: 'response_format', value: 'text' },
    { name: 'response_format', value: 'docx' },
    { name: 'language', value: 'en' },
    { name: 'language', value: 'English' },
    { name: 'temperature', value: '0.2' },
    { name: 'temperature', value: 'NaN' },
    { name: 'temperature', value: '1e999' },
    { name: 'temperature', value: '-0' },
    { name: 'timestamp_granularities[]', value: 'word' },
    { name: 'timestamp_granularities[]', value: 'segment' },
    { name: 'timestamp_granularities[]', value: 'letter' },
    { name: 'timestamp_granularities', value: 'word' },
    { name: 'stream', value: 'true' },
    { name: 'prompt', value: 'A talk about lighthouses' },
    { name: 'prompt', value: 'x'.repeat(60_000) },
    { name: '', value: '' },
    { name: '__proto__', value: 'x' },
  ),
  fc
    .tuple(fc.constantFrom('prompt', 'language', 'model', 'response_format', 'temperature', 'x'), fc.string({ unit: 'grapheme', maxLength: 50 }))
    .map(([name, value]) => ({ name, value })),
);

type Corruption =
  | 'none'
  | 'wrong boundary'
  | 'no boundary'
  | 'no closing'
  | 'truncated'
  | 'lf only'
  | 'garbage first'
  | 'no part headers'
  | 'huge field'
  | 'many fields'
  | 'many files'
  | 'empty body'
  | 'json type'
  | 'quoted boundary'
  | 'boundary in file';

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('none' as const) },
  {
    weight: 6,
    arbitrary: fc.constantFrom<Corruption>(
      'wrong boundary',
      'no boundary',
      'no closing',
      'truncated',
      'lf only',
      'garbage first',
      'no part headers',
      'huge field',
      'many fields',
      'many files',
      'empty body',
      'json type',
      'quoted boundary',
      'boundary in file',
    ),
  },
);

function multipartBytes(boundary: string, parts: Part[], eol = '\r\n', close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = p.file ? `form-data; name="${p.name}"; filename="${p.file.filename}"` : `form-data; name="${p.name}"`;
    const type = p.file ? `${eol}Content-Type: ${p.file.type}` : '';
    chunks.push(Buffer.from(`--${boundary}${eol}Content-Disposition: ${disposition}${type}${eol}${eol}`));
    chunks.push(p.file ? p.file.bytes : Buffer.from(p.value ?? ''));
    chunks.push(Buffer.from(eol));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--${eol}`));
  return Buffer.concat(chunks);
}

function multipartRequest(): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      prefix,
      endpoint: fc.constantFrom('/audio/transcriptions', '/audio/translations'),
      boundary: fc.constantFrom('routstr-fuzz-7f3a', 'x', '----WebKitFormBoundary7MA4YWxkTrZu0gW', 'a'.repeat(70), 'b'.repeat(300), 'é-boundary'),
      model: fc.option(fc.constantFrom('whisper-1', 'whisper-1', 'whisper-1', 'gpt-4o-mini', 'tts-1', 'x', '', 'whisper-1'.repeat(1000)), { nil: undefined }),
      fields: fc.array(formField, { maxLength: 5 }),
      file: fc.option(audioFile, { nil: undefined, freq: 8 }),
      filename: fc.constantFrom(
        'audio.wav',
        'audio.mp3',
        'audio.flac',
        'audio.ogg',
        'notes.txt',
        '',
        '../../etc/passwd',
        'x'.repeat(300),
        'é 🚀.wav',
        'a"b.wav',
      ),
      mimetype: fc.constantFrom('audio/wav', 'audio/mpeg', 'audio/flac', 'application/octet-stream', 'text/plain', '', 'audio/wav; codecs=1'),
      fileField: fc.constantFrom('file', 'file', 'file', 'audio', 'File'),
      corruption,
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      credential,
    })
    .map((r) => {
      const parts: Part[] = [];
      if (r.model !== undefined) parts.push({ name: 'model', value: r.model });
      parts.push(...r.fields);
      if (r.file) parts.push({ name: r.fileField, file: { filename: r.filename, type: r.mimetype, bytes: r.file.bytes } });
      let boundary = r.boundary;
      let type = `multipart/form-data; boundary=${boundary}`;
      let body: Buffer;
      switch (r.corruption) {
        case 'huge field':
          parts.push({ name: 'prompt', value: 'y'.repeat(200_000) });
          break;
        case 'many fields':
          for (let i = 0; i < 100; i++) parts.push({ name: `f${i}`, value: String(i) });
          break;
        case 'many files':
          for (let i = 0; i < 3; i++) parts.push({ name: 'file', file: { filename: `${i}.wav`, type: 'audio/wav', bytes: WAV } });
          break;
        case 'boundary in file':
          parts.push({ name: 'file', file: { filename: 'b.wav', type: 'audio/wav', bytes: Buffer.concat([WAV, Buffer.from(`\r\n--${boundary}\r\n`)]) } });
          break;
      }
      body = multipartBytes(boundary, parts, r.corruption === 'lf only' ? '\n' : '\r\n', r.corruption !== 'no closing');
      switch (r.corruption) {
        case 'wrong boundary':
          type = 'multipart/form-data; boundary=something-else';
          break;
        case 'no boundary':
          type = 'multipart/form-data';
          break;
        case 'truncated':
          body = body.subarray(0, Math.floor(r.at * body.length));
          break;
        case 'garbage first':
          body = Buffer.concat([Buffer.from('garbage before the first boundary\r\n'), body]);
          break;
        case 'no part headers':
          body = Buffer.from(`--${boundary}\r\n\r\nvalue\r\n--${boundary}--\r\n`);
          break;
        case 'empty body':
          body = Buffer.alloc(0);
          break;
        case 'json type':
          type = JSON_TYPE;
          break;
        case 'quoted boundary':
          boundary = `"${boundary}"`;
          type = `multipart/form-data; boundary=${boundary}`;
          break;
      }
      return {
        kind: `multipart ${r.corruption === 'none' ? (r.file?.name ?? 'no file') : r.corruption}`,
        method: 'POST',
        path: `${r.prefix}${r.endpoint}`,
        headers: headersOf(r.credential, { 'content-type': type }),
        body,
      };
    });
}

// ---- Everything else: GET endpoints, accounts, random methods and paths --------------------------

/** Percent-encodes the UTF-8 bytes of any string (lone surrogates included, as U+FFFD). */
function percentEncode(text: string): string {
  return [...Buffer.from(text)]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');
}

const queryJunk = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?a=1', '?%zz=%ff', '?a=%00', '?a[]=1&a[]=2', '?a=1&a=2&a=3', `?x=${'y'.repeat(4000)}`, '?=&=&', '?\u00e9=1', '?__proto__[x]=1'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => `?q=${encodeURIComponent(s)}`),
);

/** Image file names, valid and not: sizes past the limit, bad hex, traversal. */
const imageFileName = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 16, 256, 2048, 2049, 9999), fc.constantFrom(0, 1, 16, 256, 2048, 2049, 9999))
    .map(([seed, w, h]) => `${seed.toString(16).padStart(8, '0')}-${w}x${h}.png`),
  fc.constantFrom('nope.png', '..%2f..%2fetc%2fpasswd', 'zzzzzzzz-1x1.png', '00000000-1x1.PNG', '00000000-01x01.png', '%ff', `${'a'.repeat(300)}.png`),
);

const nodePaths = fc.constantFrom(
  '/',
  '/v1/models',
  '/models',
  '/v1/info',
  '/info',
  '/v1/balance/info',
  '/v1/balance',
  '/v1/balance/',
  '/v1/balance/history',
  '/v1/balance/create',
  '/v1/wallet/info',
  '/v1/wallet/',
  '/v1/wallet/history',
  '/v1/balance/nope',
  '/v1/nope',
  '/nope',
  '/v1/chat/completions',
  '/v1/audio/transcriptions',
);

const method = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('GET', 'POST') },
  { weight: 4, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') },
  { weight: 2, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'QUERY', 'M-SEARCH', 'PURGE', 'LOCK', 'FOO', 'get', 'GETX') },
);

const randomPath = fc.oneof(
  nodePaths,
  fc
    .array(
      fc.oneof(
        fc.constantFrom('v1', 'chat', 'completions', '..', '.', '', '%00', '%zz', '%2e%2e', '%ff', '__mock', 'images', 'files', 'balance', 'wallet'),
        fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map(encodeURIComponent),
      ),
      {
        maxLength: 6,
      },
    )
    .map((segments) => `/${segments.join('/')}`),
  fc.constantFrom(`/${'a'.repeat(8000)}`, '//v1//models', '/v1/models/', '/V1/MODELS', '/v1/./models', '/v1/../v1/models', '/v1/models%20', '/v1/models;x'),
);

/** A GET (mostly) on the read endpoints, or any method on any path, with junk in the query and headers. */
function otherRequest(sizes: FuzzSizes): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ path: nodePaths, query: queryJunk, credential, extra: extraHeaders }).map((r) => ({
        kind: 'read endpoints',
        method: 'GET',
        path: `${r.path}${r.query}`,
        headers: headersOf(r.credential, r.extra),
      })),
    },
    {
      weight: 2,
      arbitrary: fc.record({ prefix, name: imageFileName, method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST') }).map((r) => ({
        kind: 'image files',
        method: r.method,
        path: `${r.prefix}/images/files/${r.name}`,
        headers: {},
      })),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({
          family: fc.constantFrom('/v1/balance', '/v1/wallet'),
          op: fc.constantFrom('create', 'create', 'topup', 'topup', 'refund', 'info', 'history'),
          method: fc.constantFrom('GET', 'POST', 'POST'),
          token: fc.oneof({ weight: 9, arbitrary: hostileValue(sizes) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(...HUGE_TOKENS) }),
          inQuery: fc.boolean(),
          credential,
          foreign: foreignCredential,
          type: contentType,
        })
        .map((r) => {
          const field = r.op === 'create' ? 'initial_balance_token' : 'cashu_token';
          const token = typeof r.token === 'string' ? r.token : serialize(r.token);
          const query = r.inQuery ? `?${field}=${percentEncode(token.slice(0, 4000))}` : '';
          // A refund moves the whole balance out: never with the fuzz key, whose balance is checked.
          const who = r.op === 'refund' ? r.foreign : r.credential;
          return {
            kind: `account ${r.op}`,
            method: r.method,
            path: `${r.family}/${r.op}${query}`,
            headers: headersOf(who, r.type === null ? null : { 'content-type': r.type }),
            ...(r.method === 'POST' && !r.inQuery ? { body: Buffer.from(serialize({ [field]: r.token })) } : {}),
          };
        }),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({ method, path: randomPath, query: queryJunk, body: fc.option(randomBody, { nil: undefined }), type: contentType, credential })
        .map((r) => ({
          kind: 'random method and path',
          method: r.method,
          path: `${r.path}${r.query}`,
          headers: headersOf(r.credential, r.type === null ? null : { 'content-type': r.type }),
          ...(r.body ? { body: r.body } : {}),
        })),
    },
  );
}

/**
 * Hostile requests to the model and account API: what the fuzz test and the bench send. Weights
 * follow how much each endpoint checks; one request in ~400 is over the body limit.
 */
export function apiRequest(sizes: FuzzSizes = DEFAULT_SIZES): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 320, arbitrary: jsonEndpointRequest('/chat/completions', sizes) },
    { weight: 140, arbitrary: jsonEndpointRequest('/completions', sizes) },
    { weight: 140, arbitrary: jsonEndpointRequest('/embeddings', sizes) },
    { weight: 120, arbitrary: jsonEndpointRequest('/images/generations', sizes) },
    { weight: 120, arbitrary: jsonEndpointRequest('/audio/speech', sizes) },
    { weight: 180, arbitrary: multipartRequest() },
    { weight: 160, arbitrary: otherRequest(sizes) },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...JSON_ENDPOINTS, '/audio/transcriptions'), oversizeBody).map(([endpoint, body]) => ({
        kind: 'over the body limit',
        method: 'POST',
        path: `/v1${endpoint}`,
        headers: { authorization: `Bearer ${FUZZ_KEY}`, 'content-type': endpoint.startsWith('/audio/trans') ? 'multipart/form-data; boundary=x' : JSON_TYPE },
        body,
      })),
    },
  );
}

// ---- The control plane ----------------------------------------------------------------------------

const scenarioBody: fc.Arbitrary<{ type: string; bytes: Buffer }> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom<Record<string, unknown>>(
        { version: 1 },
        { version: 1, seed: 7, stream: { ttft_ms: 0, tokens_per_second: 0 } },
        { version: 1, rules: [{ when: { path: '/v1/chat/completions' }, fault: { type: 'rate_limit' } }] },
        { version: 1, models: [{ id: 'm', sats_per_million_tokens: { prompt: 1, completion: 1 }, context_length: 10, max_completion_tokens: 5 }] },
        { version: 1, keys: [{ key: 'sk-rich', balance_msats: 2 ** 40 + 1 }] },
        { version: 1, keys: Array.from({ length: 8193 }, (_, i) => ({ key: `sk-rich-${i}`, balance_msats: 2 ** 40 })) },
      ),
      fc.array(mutation(DEFAULT_SIZES), { maxLength: 3 }),
    )
    .map(([s, m]) => ({ type: JSON_TYPE, bytes: Buffer.from(serialize(mutate(s, m))) })),
  fc
    .constantFrom(
      'version: 1\nname: x\n',
      'version: 1\nseed: *nope\n',
      'a: &a [*a]\n',
      // An alias bomb: each level refers to the one before nine times.
      [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        ...Array.from(
          { length: 9 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
              .fill(`*${String.fromCharCode(97 + i)}`)
              .join(',')}]`,
        ),
      ].join('\n'),
      `${'- '.repeat(5000)}x\n`,
      `${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      'version: 1\nrules:\n  - when: { message: "/(a+)+$/" }\n    fault: { type: timeout, mode: hang }\n',
      '\t\u0000\u0001',
      `version: 1\nname: ${'x'.repeat(1_000_000)}\n`,
      '--- !!js/function "function(){}"\n',
      'version: !!binary aGVsbG8=\n',
    )
    .map((text) => ({ type: 'text/yaml', bytes: Buffer.from(text) })),
  // Scenarios that validated and then broke every answer (issue 12): each must now be a 400.
  fc
    .constantFrom<unknown>(
      { version: 1, rules: [{ reply: { recorded: { status: 200, body: 'DEEP' } } }] },
      { version: 1, rules: [{ fault: { type: 'status', status: 200, headers: { 'x-note': '日本' } } }] },
      { version: 1, rules: [{ fault: { type: 'status', status: 200, headers: { 'x-note': 'a\r\nset-cookie: x=1' } } }] },
      { version: 1, rules: [{ fault: { type: 'rate_limit', headers: { 'x note': 'a' } } }] },
      { version: 1, rules: [{ fault: { type: 'status', status: 200, headers: { 'transfer-encoding': 'gzip' } } }] },
      { version: 1, rules: [{ fault: { type: 'status', status: 101 } }] },
      { version: 1, rules: [{ fault: { type: 'upstream_error', status: 100 } }] },
      { version: 1, rules: [{ fault: { type: 'status', status: 200, headers: { 'content-type': 'text/event-stream' }, body: null } }] },
      { version: 1, rules: [{ fault: { type: 'timeout', mode: 'delay', delay_ms: 2 ** 31 } }] },
      { version: 1, rules: [{ reply: { delay_ms: 2 ** 40 } }] },
      { version: 1, stream: { client_timeout_ms: 2 ** 32 } },
      { version: 1, rules: [{ when: { message: '/(\\w+)\\1/' }, fault: { type: 'rate_limit' } }] },
      { version: 1, rules: [{ when: { system: '/(?=a)(a+)+$/' }, fault: { type: 'rate_limit' } }] },
      { version: 1, rules: [{ when: { message: '/(.*a){200}/' }, fault: { type: 'rate_limit' } }] },
    )
    // The deep body is spliced in as text: building it as an object would overflow JSON.stringify here.
    .map((s) => ({ type: JSON_TYPE, bytes: Buffer.from(JSON.stringify(s).replace('"DEEP"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)) })),
  randomBody.map((bytes) => ({ type: JSON_TYPE, bytes })),
);

/** What a web page can send to the control plane without a preflight, or after rebinding its name to 127.0.0.1. */
const fromPage: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom('POST', 'GET', 'OPTIONS'),
    fc.constantFrom('/__mock/keys', '/%5F%5Fmock/keys', '/%5f%5fmock/scenario', '/__MOCK/reset', '//__mock/reset', '/__mock/scenario', '/__mock/faults'),
    fc.record(
      {
        origin: fc.constantFrom('http://evil.example', 'null', 'http://localhost:3000', 'http://evil.example:8000'),
        host: fc.constantFrom('evil.example:8000', 'localhost', '127.0.0.1.nip.io', '[::1]:8000'),
        'content-type': fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'),
        'access-control-request-method': fc.constant('POST'),
      },
      { requiredKeys: [] },
    ),
    fc.constantFrom('{"key":"sk-page","balance_msats":1000000000}', 'version: 1\nextends: none\n', 'key=sk-page&balance_msats=1', ''),
  )
  .map(([method, path, headers, body]): FuzzRequest => ({
    kind: 'control from a page',
    method,
    path,
    headers: headers as Record<string, string>,
    ...(method === 'POST' && body ? { body: Buffer.from(body) } : {}),
  }));

/**
 * Hostile calls to /__mock/: junk journal queries, bad keys, faults and scenarios. Some of these
 * change the node (a scenario loads, a fault is queued), so the fuzz runs them last and restores
 * the node afterwards.
 */
export function controlRequest(sizes: FuzzSizes = DEFAULT_SIZES): fc.Arbitrary<FuzzRequest> {
  const journalQuery = fc
    .array(
      fc.tuple(
        fc.constantFrom('path', 'status', 'rule', 'fault', 'model', 'since', 'limit', 'method', 'x'),
        fc.oneof(
          fc.constantFrom('0', '-1', '1e999', 'NaN', '2024-13-45', '99999999999999999999', '/v1/chat/completions', ''),
          fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : ''));
  return fc.oneof(
    { weight: 3, arbitrary: journalQuery.map((q): FuzzRequest => ({ kind: 'control journal', method: 'GET', path: `/__mock/journal${q}`, headers: {} })) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.constantFrom<Record<string, unknown>>(
            { key: 'sk-new', balance_msats: 1000 },
            { balance_msats: 0 },
            {},
            // Around the ledger's ceiling (2^40 msats a key): the first fits, the others are 400s.
            { key: 'sk-new', balance_msats: 2 ** 40 },
            { balance_msats: 2 ** 40 + 1 },
            { key: 'sk-new', balance_msats: 2 ** 52 },
            { balance_msats: 9e15 },
            { balance_msats: Number.MAX_SAFE_INTEGER },
          ),
          fc.array(mutation(sizes), { maxLength: 3 }),
          tweak,
          contentType,
        )
        .map(([b, m, t, type]): FuzzRequest => ({
          kind: 'control keys',
          method: 'POST',
          path: '/__mock/keys',
          headers: type === null ? {} : { 'content-type': type },
          body: applyTweak(serialize(mutate(b, m)), t),
        })),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.constantFrom<Record<string, unknown>>(
            { fault: { type: 'rate_limit' }, count: 1 },
            { fault: { type: 'upstream_error', status: 502 }, count: 2, when: { path: '/v1/chat/completions' } },
            { fault: { type: 'timeout', mode: 'delay', delay_ms: 10 } },
          ),
          fc.array(mutation(sizes), { maxLength: 3 }),
          tweak,
        )
        .map(([b, m, t]): FuzzRequest => ({
          kind: 'control faults',
          method: 'POST',
          path: '/__mock/faults',
          headers: { 'content-type': JSON_TYPE },
          body: applyTweak(serialize(mutate(b, m)), t),
        })),
    },
    {
      weight: 3,
      arbitrary: scenarioBody.map(({ type, bytes }): FuzzRequest => ({
        kind: 'control scenario',
        method: 'POST',
        path: '/__mock/scenario',
        headers: { 'content-type': type },
        body: bytes,
      })),
    },
    { weight: 2, arbitrary: fromPage },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
          fc.constantFrom(
            '/__mock/journal',
            '/__mock/scenario',
            '/__mock/ledger',
            '/__mock/faults',
            '/__mock/health',
            '/__mock/keys',
            '/__mock/nope',
            '/__mock/',
            '/__mock',
            '/__mock/reset',
          ),
          fc.option(randomBody, { nil: undefined }),
        )
        .map(([m, path, body]): FuzzRequest => ({
          kind: 'control other',
          method: m,
          path,
          headers: body ? { 'content-type': JSON_TYPE } : {},
          ...(body && m !== 'GET' ? { body } : {}),
        })),
    },
  );
}

/**
 * Case `index` of a run with `seed`: generated on its own from a seed derived from both, so any
 * case can be replayed without generating the ones before it.
 */
export function caseAt<T>(arbitrary: fc.Arbitrary<T>, seed: number, index: number): T {
  const caseSeed = (Math.imul(seed ^ 0x5bd1e995, 0x01000193) + Math.imul(index + 1, 0x9e3779b1)) | 0;
  return fc.sample(arbitrary, { seed: caseSeed, numRuns: 1 })[0]!;
}
