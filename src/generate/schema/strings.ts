import type { Rng } from '../random.ts';
import { matchesFormat } from './check.ts';
import { type NameContext, isoDate, isoDateTime, isoTime, stringForName, tokenize } from './names.ts';
import { compilePattern, stringFromPattern } from './regex.ts';
import { type SchemaObject, codePointLength, nonNegativeInt, sliceCodePoints } from './schema-util.ts';
import * as vocab from '../vocabulary.ts';

/**
 * Strings that satisfy `minLength`, `maxLength`, `pattern` and `format`, preferring in turn a
 * format-shaped value, a value suited to the property name (with hints from the prompt), one of the
 * schema's `examples`, and a short English phrase. Constraints beat realism.
 */

const PATTERN_ATTEMPTS = 12;
const FORMAT_ATTEMPTS = 3;

const FORMAT_MAKERS: Record<string, (rng: Rng) => string> = {
  'date-time': isoDateTime,
  'iso-date-time': isoDateTime,
  date: isoDate,
  time: isoTime,
  'iso-time': isoTime,
  email: (rng) => vocab.emailFor(rng),
  'idn-email': (rng) => vocab.emailFor(rng),
  uri: vocab.url,
  url: vocab.url,
  iri: vocab.url,
  'uri-reference': vocab.url,
  'iri-reference': vocab.url,
  uuid: vocab.uuid,
  ipv4: (rng) => `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
  ipv6: (rng) => Array.from({ length: 8 }, () => rng.int(0, 0xffff).toString(16)).join(':'),
  hostname: vocab.domainName,
  'idn-hostname': vocab.domainName,
  duration: isoDuration,
  regex: (rng) => rng.pick(['^[a-z0-9_-]{3,16}$', '^\\d{5}$', '^[A-Z][a-z]+$', '^[A-Z]{2}-\\d{4}$']),
  'json-pointer': (rng) => `/${vocab.noun(rng)}/${rng.int(0, 9)}`,
  'relative-json-pointer': (rng) => `${rng.int(0, 3)}/${vocab.noun(rng)}`,
  'json-pointer-uri-fragment': (rng) => `#/${vocab.noun(rng)}/${rng.int(0, 9)}`,
  'uri-template': (rng) => `https://api.${vocab.domainName(rng)}/${vocab.noun(rng)}s/{id}`,
  byte: (rng) => Buffer.from(vocab.sentence(rng)).toString('base64'),
  password: (rng) => vocab.alphanumeric(rng, 16, 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'),
};

function isoDuration(rng: Rng): string {
  const forms = [
    () => `PT${rng.int(5, 59)}M`,
    () => `PT${rng.int(1, 12)}H`,
    () => `PT${rng.int(1, 8)}H${rng.int(1, 59)}M`,
    () => `P${rng.int(1, 30)}D`,
    () => `P${rng.int(1, 6)}DT${rng.int(1, 23)}H`,
    () => `P${rng.int(1, 8)}W`,
  ];
  return rng.pick(forms)();
}

interface Pattern {
  source: string;
  re: RegExp;
}

export interface StringConstraints {
  minLength: number;
  maxLength: number;
  /** Every pattern must match: the schema's own and any from merged `allOf` branches. */
  patterns: Pattern[];
  format: string | undefined;
}

/** A hostile minLength must not make the mock build gigabytes of text. */
const MAX_STRING_LENGTH = 16_384;

export function stringConstraints(s: SchemaObject, extraPatterns: readonly string[] = []): StringConstraints {
  const minLength = Math.min(nonNegativeInt(s.minLength) ?? 0, MAX_STRING_LENGTH);
  const maxLength = Math.max(minLength, nonNegativeInt(s.maxLength) ?? Infinity);
  const sources = typeof s.pattern === 'string' ? [s.pattern, ...extraPatterns] : [...extraPatterns];
  const patterns: Pattern[] = [];
  for (const source of sources) {
    const re = compilePattern(source);
    if (re) patterns.push({ source, re });
  }
  return { minLength, maxLength, patterns, format: typeof s.format === 'string' ? s.format : undefined };
}

function fits(value: string, c: StringConstraints): boolean {
  const length = codePointLength(value);
  if (length < c.minLength || length > c.maxLength) return false;
  if (!c.patterns.every((p) => p.re.test(value))) return false;
  return c.format === undefined || matchesFormat(c.format, value);
}

export function generateString(s: SchemaObject, rng: Rng, ctx: NameContext, extraPatterns: readonly string[] = []): string {
  const c = stringConstraints(s, extraPatterns);
  const formatMaker = c.format === undefined ? undefined : FORMAT_MAKERS[c.format];
  const order = candidateOrder(s, rng, ctx, formatMaker !== undefined);
  for (const kind of order) {
    const value = makeCandidate(kind, s, rng, ctx, formatMaker);
    if (value !== undefined && fits(value, c)) return value;
  }
  if (c.patterns.length > 0) return fromPatterns(c, rng);
  if (formatMaker) {
    for (let i = 0; i < FORMAT_ATTEMPTS; i++) {
      const value = formatMaker(rng);
      if (fits(value, c)) return value;
    }
  }
  let base: string | undefined;
  for (const kind of order) base ??= makeCandidate(kind, s, rng, ctx, formatMaker);
  return fitLength(base ?? vocab.noun(rng), c.minLength, c.maxLength, rng);
}

/** Sources of a string, tried in order until one fits the constraints. */
type CandidateKind = 'format' | 'example' | 'name' | 'phrase';

const FORMAT_FIRST: readonly CandidateKind[] = ['format', 'example'];
const NAME_FIRST: readonly CandidateKind[] = ['name', 'example', 'phrase'];
const EXAMPLE_FIRST: readonly CandidateKind[] = ['example', 'name', 'phrase'];

/** Schema `examples` are sometimes echoed, as models do, but never over a hint from the prompt. */
function candidateOrder(s: SchemaObject, rng: Rng, ctx: NameContext, hasFormat: boolean): readonly CandidateKind[] {
  if (hasFormat) return FORMAT_FIRST;
  const hasExamples = Array.isArray(s.examples) && s.examples.some((e) => typeof e === 'string');
  return hasExamples && !ctx.text && rng.chance(0.25) ? EXAMPLE_FIRST : NAME_FIRST;
}

function makeCandidate(kind: CandidateKind, s: SchemaObject, rng: Rng, ctx: NameContext, formatMaker: ((rng: Rng) => string) | undefined): string | undefined {
  switch (kind) {
    case 'format':
      return formatMaker?.(rng);
    case 'example': {
      const examples = Array.isArray(s.examples) ? s.examples.filter((e): e is string => typeof e === 'string') : [];
      return examples.length > 0 ? rng.pick(examples) : undefined;
    }
    case 'name':
      return (
        stringForName(rng, ctx) ??
        (typeof s.title === 'string' ? stringForName(rng, { ...ctx, name: s.title }) : undefined) ??
        stringForDescription(s.description, rng, ctx)
      );
    case 'phrase':
      return rng.chance(0.5) ? vocab.noun(rng) : `${vocab.adjective(rng)} ${vocab.noun(rng)}`;
  }
}

/** Words in a description that say what the value is ("The city and state, e.g. ..."). */
const DESCRIPTIVE_WORDS = ['email', 'url', 'city', 'location', 'country', 'address', 'phone', 'date', 'name', 'title', 'query', 'summary', 'description', 'id'];

function stringForDescription(description: unknown, rng: Rng, ctx: NameContext): string | undefined {
  if (typeof description !== 'string' || description.length > 300) return undefined;
  const t = tokenize(description);
  const word = DESCRIPTIVE_WORDS.find((w) => t.has(w));
  return word ? stringForName(rng, { ...ctx, name: word }) : undefined;
}

/** Draws from each pattern in turn; when lengths miss, searches for a quantifier stretch that fits. */
function fromPatterns(c: StringConstraints, rng: Rng): string {
  let first: string | undefined;
  for (let i = 0; i < PATTERN_ATTEMPTS; i++) {
    const pattern = c.patterns[i % c.patterns.length] as Pattern;
    const value = stringFromPattern(pattern.source, rng);
    if (value === undefined) continue;
    if (fits(value, c)) return value;
    first ??= value;
  }
  for (const pattern of c.patterns) {
    const value = stretchToLength(pattern.source, c, rng) ?? padUnanchored(pattern.source, c, rng);
    if (value !== undefined) return value;
  }
  return first ?? fitLength(vocab.noun(rng), c.minLength, c.maxLength, rng);
}

/** A pattern without `^` or `$` only has to occur somewhere, so words can surround the match. */
function padUnanchored(source: string, c: StringConstraints, rng: Rng): string | undefined {
  const core = stringFromPattern(source, rng);
  if (core === undefined) return undefined;
  const missing = c.minLength - codePointLength(core);
  if (missing <= 0) return undefined;
  const filler = fitLength('', missing, missing, rng);
  const candidates = [];
  if (!/(^|[^\\])\$$/.test(source)) candidates.push(`${core}${filler}`);
  if (!source.startsWith('^')) candidates.push(`${filler}${core}`);
  return candidates.find((value) => fits(value, c));
}

const MAX_STRETCH = 1024;

/** Binary search on the repeat count; each probe reuses one random stream so only lengths change. */
function stretchToLength(source: string, c: StringConstraints, rng: Rng): string | undefined {
  let lo = 0;
  let hi = Math.min(MAX_STRETCH, Number.isFinite(c.maxLength) ? c.maxLength : c.minLength + 64);
  while (lo <= hi) {
    const stretch = Math.floor((lo + hi) / 2);
    const value = stringFromPattern(source, rng.fork('stretch'), stretch);
    if (value === undefined) return undefined;
    const length = codePointLength(value);
    if (length < c.minLength) lo = stretch + 1;
    else if (length > c.maxLength) hi = stretch - 1;
    else return fits(value, c) ? value : undefined;
  }
  return undefined;
}

/** Trims or extends text to the length bounds, keeping it word-like. */
export function fitLength(text: string, min: number, max: number, rng: Rng): string {
  const parts = [text];
  for (let length = codePointLength(text); length < min;) {
    const word = vocab.noun(rng); // nouns are ASCII, so code points equal UTF-16 units here
    parts.push(length > 0 ? ` ${word}` : word);
    length += word.length + (length > 0 ? 1 : 0);
  }
  let out = parts.join('');
  if (codePointLength(out) > max) out = sliceCodePoints(out, max);
  if (out.endsWith(' ')) {
    const trimmed = out.trimEnd();
    out = codePointLength(trimmed) >= min ? trimmed : `${trimmed}${'s'.repeat(codePointLength(out) - codePointLength(trimmed))}`;
  }
  return out;
}
