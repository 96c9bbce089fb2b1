import { createRequire } from 'node:module';
import type * as o200kModule from 'gpt-tokenizer/encoding/o200k_base';
import { type Steps, runToEnd } from './cooperative.ts';
import { SCAN_STEP_CHARS, SegmentCache } from './segments.ts';

type Encoding = typeof o200kModule;

/** The tables are CommonJS modules, required on first use (see lazyTokenizer). */
const require = createRequire(import.meta.url);

/** Real BPE tokenizers (OpenAI's cl100k_base and o200k_base) for usage counts and stream chunking. */
export interface Tokenizer {
  readonly name: 'cl100k_base' | 'o200k_base';
  /** The regexes that cut text into pre-tokens (exposed for the equivalence test). */
  readonly splitters: { unicode: RegExp; ascii: RegExp };
  encode(text: string): number[];
  decode(ids: number[]): string;
  count(text: string): number;
  /** `count` without keeping the text in the whole-text cache: for generated text, which seldom repeats. */
  countUncached(text: string): number;
  /**
   * The text cut on token boundaries, one entry per token; the pieces concatenate back to exactly
   * `text`. A token that ends inside a multi-byte character carries the rest of it, and the
   * tokens after it within that character are empty strings, so the length is the token count.
   */
  pieces(text: string): string[];
  /**
   * `count`, `countUncached` and `pieces` as steps for runInSlices: a long text (a 200 kB
   * message takes ~0.3 s to tokenize) is cut at segment ends into parts of a few kB, with a
   * pause point after each. Same results; a short text is one step.
   */
  countSteps(text: string): Steps<number>;
  countUncachedSteps(text: string): Steps<number>;
  piecesSteps(text: string): Steps<string[]>;
}

/** The library's own pre-tokenisation regex: BPE runs on each match independently. */
function splitRegexOf(enc: Encoding): RegExp {
  const core = (enc.default as unknown as { bytePairEncodingCoreProcessor?: { tokenSplitRegex?: RegExp } }).bytePairEncodingCoreProcessor;
  const regex = core?.tokenSplitRegex;
  if (!(regex instanceof RegExp)) throw new Error('gpt-tokenizer: tokenSplitRegex not found (library internals changed)');
  return new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : `${regex.flags}g`);
}

/**
 * The same regex restricted to ASCII: Unicode property classes are what makes the split slow, and
 * on ASCII text they reduce to plain ranges (no ASCII character is titlecase, modifier, other
 * letter or mark). Undefined when the source has a class this rewrite does not know, so the
 * tokenizer then always uses the original. test/unit/tokens.test.ts checks both agree.
 */
export function asciiSplitRegexOf(unicode: RegExp): RegExp | undefined {
  const source = unicode.source
    .replaceAll('[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]', '[A-Z]')
    .replaceAll('[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]', '[a-z]')
    .replaceAll('\\p{L}\\p{N}', 'A-Za-z0-9')
    .replaceAll('\\p{L}+', '[A-Za-z]+')
    .replaceAll('\\p{N}{1,3}', '[0-9]{1,3}');
  if (source.includes('\\p{')) return undefined;
  return new RegExp(source, unicode.flags.replace('u', '').replace('v', ''));
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Entries kept per tokenizer; generated text reuses a few thousand words, prompts add more. */
const PIECE_CACHE_LIMIT = 50_000;
/** Longer texts are counted every time rather than kept in memory. */
const MAX_COUNTED_TEXT = 4096;

/**
 * BPE is applied to each pre-token on its own, so caching the token pieces of each pre-token gives
 * exactly the library's result at a fraction of the cost: generated text repeats the same words.
 */
function makeTokenizer(name: Tokenizer['name'], enc: Encoding): Tokenizer {
  const split = splitRegexOf(enc);
  const asciiSplit = asciiSplitRegexOf(split) ?? split;
  // One global match returns every pre-token at once, without a match object per pre-token.
  const preTokensOf = (text: string): string[] => text.match(ASCII_ONLY.test(text) ? asciiSplit : split) ?? [];
  const cache = new Map<string, string[]>();
  const noSpecial = { disallowedSpecial: new Set<string>() };

  const piecesOfPreToken = (preToken: string): string[] => {
    let pieces = cache.get(preToken);
    if (pieces) return pieces;
    const ids = enc.encode(preToken, noSpecial);
    if (ids.length === 1) {
      pieces = [preToken];
    } else {
      pieces = [];
      let pending: number[] = [];
      for (const id of ids) {
        pending.push(id);
        const piece = enc.decode(pending);
        // A token can end inside a multi-byte character; hold it until the character is complete.
        if (piece.endsWith('\uFFFD') && pending.length < 4) continue;
        pieces.push(piece);
        pending = [];
      }
      if (pending.length) pieces.push(enc.decode(pending));
      if (pieces.join('') !== preToken) pieces = [preToken];
      // Keep the token count right even when pieces had to be merged.
      while (pieces.length < ids.length) pieces.push('');
    }
    if (cache.size >= PIECE_CACHE_LIMIT) cache.clear();
    cache.set(preToken, pieces);
    return pieces;
  };

  /** The pieces of a text, pre-token by pre-token. */
  const piecesOfText = (text: string): string[] => {
    const preTokens = preTokensOf(text);
    // Most pre-tokens are a single token: the list of pre-tokens is then the answer as it is.
    for (let i = 0; i < preTokens.length; i++) {
      if (piecesOfPreToken(preTokens[i]!).length !== 1) return expandPieces(preTokens, i);
    }
    return preTokens;
  };

  /** The pieces of `preTokens` where the one at `from` (and maybe later ones) is several tokens. */
  const expandPieces = (preTokens: string[], from: number): string[] => {
    const out = preTokens.slice(0, from);
    for (let i = from; i < preTokens.length; i++) {
      const pieces = piecesOfPreToken(preTokens[i]!);
      if (pieces.length === 1) out.push(pieces[0]!);
      else for (const piece of pieces) out.push(piece);
    }
    return out;
  };

  const segments = new SegmentCache(piecesOfText);
  // Prompts repeat (system prompts, conversation history), so whole-text counts are cached too.
  const counts = new Map<string, number>();
  return {
    name,
    splitters: { unicode: split, ascii: asciiSplit },
    encode: (text) => enc.encode(text, noSpecial),
    decode: (ids) => enc.decode(ids),
    count(text) {
      const known = counts.get(text);
      if (known !== undefined) return known;
      const n = segments.scan(text);
      if (text.length <= MAX_COUNTED_TEXT) {
        if (counts.size >= PIECE_CACHE_LIMIT) counts.clear();
        counts.set(text, n);
      }
      return n;
    },
    countUncached: (text) => segments.scan(text),
    pieces(text) {
      const out: string[] = [];
      segments.scan(text, out);
      return out;
    },
    *countSteps(text) {
      return text.length <= SCAN_STEP_CHARS ? this.count(text) : yield* segments.scanSteps(text);
    },
    countUncachedSteps: (text) => segments.scanSteps(text),
    *piecesSteps(text) {
      const out: string[] = [];
      yield* segments.scanSteps(text, out);
      return out;
    },
  };
}

/**
 * A tokenizer whose tables (≈ 0.2 s to load for both, most of `serve`'s start-up) are read on first
 * use; `loadTokenizers` reads them ahead.
 */
function lazyTokenizer(name: Tokenizer['name']): { tokenizer: Tokenizer; load: () => Tokenizer } {
  let real: Tokenizer | undefined;
  const load = () => (real ??= makeTokenizer(name, require(`gpt-tokenizer/encoding/${name}`) as Encoding));
  const tokenizer: Tokenizer = {
    name,
    get splitters() {
      return load().splitters;
    },
    encode: (text) => load().encode(text),
    decode: (ids) => load().decode(ids),
    count: (text) => load().count(text),
    countUncached: (text) => load().countUncached(text),
    pieces: (text) => load().pieces(text),
    countSteps: (text) => load().countSteps(text),
    countUncachedSteps: (text) => load().countUncachedSteps(text),
    piecesSteps: (text) => load().piecesSteps(text),
  };
  return { tokenizer, load };
}

const o200k = lazyTokenizer('o200k_base');
const cl100k = lazyTokenizer('cl100k_base');
const O200K = o200k.tokenizer;
const CL100K = cl100k.tokenizer;

/** Reads both tokenizers' tables now rather than in the first request that needs each. */
export function loadTokenizers(): void {
  o200k.load();
  cl100k.load();
}

/** The tokenizer OpenAI uses for a model id; `declared` (a scenario's `tokenizer`) wins when given. */
export function tokenizerFor(modelId: string, declared?: string): Tokenizer {
  if (declared === 'cl100k_base') return CL100K;
  if (declared === 'o200k_base') return O200K;
  return /^(gpt-3\.5|gpt-4(?![o.]|-turbo-?2024)|text-embedding|text-davinci|davinci|babbage)/i.test(modelId) ? CL100K : O200K;
}

export interface PromptMessage {
  role?: unknown;
  content?: unknown;
  name?: unknown;
  tool_calls?: unknown;
}

/** Text of a message's content, whether a string or an array of content parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

/** Image parts cost tokens too; OpenAI's low-detail rate is a flat 85 per image. */
function imagePartCount(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  return content.filter((p) => p && typeof p === 'object' && (p as { type?: unknown }).type === 'image_url').length;
}

/**
 * Prompt tokens the way OpenAI counts chat input: 3 tokens of framing per message, the role and
 * content tokens, 1 for a name, 3 to prime the reply, plus the serialised tool definitions.
 */
export function countChatPromptTokens(tok: Tokenizer, messages: readonly PromptMessage[], tools?: unknown): number {
  return runToEnd(countChatPromptTokensSteps(tok, messages, tools));
}

/** countChatPromptTokens as steps: a conversation can hold 100 000 tokens (~0.5 s to count in one go). */
export function* countChatPromptTokensSteps(tok: Tokenizer, messages: readonly PromptMessage[], tools?: unknown): Steps<number> {
  let total = 3;
  for (const m of messages) {
    total += 3;
    if (typeof m.role === 'string') total += tok.count(m.role);
    total += (yield* tok.countSteps(contentText(m.content))) + 85 * imagePartCount(m.content);
    if (typeof m.name === 'string') total += 1 + tok.count(m.name);
    if (m.tool_calls !== undefined) total += yield* tok.countSteps(JSON.stringify(m.tool_calls));
    yield;
  }
  if (Array.isArray(tools) && tools.length > 0) total += yield* tok.countSteps(JSON.stringify(tools));
  return total;
}
