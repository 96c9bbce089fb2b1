import { invalidRequest, preview } from '../node/errors.ts';
import type { Tokenizer } from '../generate/tokens.ts';

/**
 * Field checks shared by the request parsers. Each failure is the 400 an OpenAI upstream would
 * send: `invalid_request_error` naming the parameter, so the SDK raises BadRequestError.
 */

export type Body = Record<string, unknown>;

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function wrongType(param: string, expected: string, value: unknown) {
  return invalidRequest(`Invalid type for '${param}': expected ${expected}, but got ${describeType(value)}.`, param, 'invalid_type');
}

export function missing(param: string) {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

export function requireObjectBody(body: unknown): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest(`The request body must be a JSON object, but got ${describeType(body)}.`, null, 'invalid_request_body');
  }
  return body as Body;
}

export function optionalNumber(body: Body, param: string, min: number, max: number): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw wrongType(param, 'a number', v);
  if (v < min || v > max) {
    throw invalidRequest(`Invalid value for '${param}': ${v} is out of range; expected a number between ${min} and ${max}.`, param, 'invalid_value');
  }
  return v;
}

export function optionalInteger(body: Body, param: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(param, 'an integer', v);
  if (v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw invalidRequest(`Invalid value for '${param}': ${v}; expected an integer ${range}.`, param, 'invalid_value');
  }
  return v;
}

export function optionalBoolean(body: Body, param: string): boolean | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrongType(param, 'a boolean', v);
  return v;
}

export function optionalString(body: Body, param: string): string | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(param, 'a string', v);
  return v;
}

export function requiredString(body: Body, param: string): string {
  const v = optionalString(body, param);
  if (v === undefined) throw missing(param);
  return v;
}

export function optionalEnum<T extends string>(body: Body, param: string, allowed: readonly T[]): T | undefined {
  const v = optionalString(body, param);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw invalidRequest(
      `Invalid value for '${param}': '${preview(v)}'. Supported values are: ${allowed.map((a) => `'${a}'`).join(', ')}.`,
      param,
      'invalid_value',
    );
  }
  return v as T;
}

/** `stop`: a string or up to 4 strings, as OpenAI allows. */
export function stopSequences(body: Body): string[] {
  const v = body.stop;
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v ? [v] : [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw wrongType('stop', 'a string or an array of strings', v);
  if (v.length > 4)
    throw invalidRequest(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${v.length} instead.`,
      'stop',
      'array_above_max_length',
    );
  return (v as string[]).filter((s) => s.length > 0);
}

// ---- Limits that keep one request's work bounded (README "Limits") ----

/** Characters of text the mock tokenizes for one request. */
export const MAX_TOKENIZED_CHARS = 1_000_000;
/** The longest unbroken run of letters, of punctuation or of whitespace in tokenized text. */
export const MAX_RUN_CHARS = 1000;
/** Runs longer than this are slow to tokenize (byte-pair encoding is quadratic in a run's length)... */
const LONG_RUN = 64;
/** ...so one request may hold only this many characters in them. */
export const MAX_LONG_RUN_CHARS = 65_536;

/** Runs of one character class: what one BPE pre-token can span (digits come in threes, so they never do). */
const RUNS = new RegExp(`[\\p{L}\\p{M}]{${LONG_RUN + 1},}|[^\\s\\p{L}\\p{M}\\p{N}]{${LONG_RUN + 1},}|\\s{${LONG_RUN + 1},}`, 'gu');

/**
 * Refuses text the tokenizer would take seconds or minutes over: more than MAX_TOKENIZED_CHARS in
 * all, a run longer than MAX_RUN_CHARS, or more than MAX_LONG_RUN_CHARS in long runs. `texts` are
 * the strings one request has tokenized, with the parameter each came from. Real text never gets
 * near these (a 1000-character word, or 64 kB of such words); typed clients' fuzzers do.
 */
export function checkTokenizedText(texts: Iterable<{ text: string; param: string }>): void {
  let total = 0;
  let inLongRuns = 0;
  for (const { text, param } of texts) {
    total += text.length;
    if (total > MAX_TOKENIZED_CHARS) {
      throw invalidRequest(
        `Invalid '${param}': the request holds more than ${MAX_TOKENIZED_CHARS} characters of text to tokenize; the mock counts at most that much per request.`,
        param,
        'string_above_max_length',
      );
    }
    if (text.length <= LONG_RUN) continue;
    RUNS.lastIndex = 0;
    for (let m = RUNS.exec(text); m !== null; m = RUNS.exec(text)) {
      const run = m[0].length;
      if (run > MAX_RUN_CHARS) {
        throw invalidRequest(
          `Invalid '${param}': it holds a run of ${run} characters without a word break (letters, punctuation or whitespace); the mock tokenizes runs of at most ${MAX_RUN_CHARS}.`,
          param,
          'string_above_max_length',
        );
      }
      inLongRuns += run;
      if (inLongRuns > MAX_LONG_RUN_CHARS) {
        throw invalidRequest(
          `Invalid '${param}': the request holds more than ${MAX_LONG_RUN_CHARS} characters in runs of over ${LONG_RUN} characters without a word break; the mock tokenizes at most that much of such text.`,
          param,
          'string_above_max_length',
        );
      }
    }
  }
}

/** Completion tokens one request may ask for: choices × max_tokens (the model's maximum when unset). */
export const MAX_REQUEST_COMPLETION_TOKENS = 131_072;
/** With logprobs each token carries its alternatives: tokens × (1 + alternatives) may be at most this. */
export const MAX_REQUEST_LOGPROB_ENTRIES = 1_048_576;

/** Refuses a request whose answer could be larger than the limits above; `what` says how the figure came about. */
export function checkCompletionBudget(tokens: number, alternatives: number | undefined, param: string, what: string): void {
  if (tokens > MAX_REQUEST_COMPLETION_TOKENS) {
    throw invalidRequest(
      `Invalid '${param}': ${what} is ${tokens} completion tokens; the mock generates at most ${MAX_REQUEST_COMPLETION_TOKENS} per request. Lower '${param}' or set a smaller 'max_tokens'.`,
      param,
      'invalid_value',
    );
  }
  if (alternatives !== undefined && tokens * (1 + alternatives) > MAX_REQUEST_LOGPROB_ENTRIES) {
    throw invalidRequest(
      `Invalid '${param}': ${what} is ${tokens} completion tokens with ${alternatives} logprob alternatives each; the mock returns at most ${MAX_REQUEST_LOGPROB_ENTRIES} logprob entries per request. Lower '${param}', 'max_tokens' or the number of alternatives.`,
      param,
      'invalid_value',
    );
  }
}

/** How deep JSON Schemas (tool parameters, response formats) may nest. */
export const MAX_SCHEMA_DEPTH = 64;

/** Nesting depth of a JSON value, counted without recursion (so a 100 000-deep value cannot overflow the stack). */
function depthOver(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export function checkSchemaDepth(schema: unknown, param: string): void {
  if (depthOver(schema, MAX_SCHEMA_DEPTH)) {
    throw invalidRequest(`Invalid '${param}': the schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep.`, param, 'invalid_value');
  }
}

/** Token ids as text; an id the model's tokenizer does not have is the client's mistake, not a crash. */
export function decodeTokens(tokenizer: Tokenizer, ids: number[], param: string): string {
  try {
    return tokenizer.decode(ids);
  } catch {
    const bad = ids.find((id) => {
      try {
        tokenizer.decode([id]);
        return false;
      } catch {
        return true;
      }
    });
    throw invalidRequest(`Invalid '${param}': ${bad ?? 'a token id'} is not a token id of ${tokenizer.name}.`, param, 'invalid_value');
  }
}
