import { invalidRequest } from '../node/errors.ts';
import type { ModelSpec } from '../scenario/types.ts';
import { type Body, optionalBoolean, optionalInteger, optionalNumber, optionalString, stopSequences, wrongType } from './fields.ts';

/** A legacy /v1/completions request. */
export interface CompletionsRequest {
  prompts: ({ text: string } | { tokens: number[] })[];
  maxTokens: number;
  n: number;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  echo: boolean;
  /** How many most-likely tokens to report per position (0–5); absent means no logprobs. */
  logprobs?: number;
  suffix?: string;
  temperature?: number;
  seed?: number;
}

/** OpenAI's default for the legacy endpoint: short, which makes `finish_reason: "length"` common. */
const DEFAULT_MAX_TOKENS = 16;

function isTokens(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((t) => Number.isInteger(t) && (t as number) >= 0);
}

/** Prompts in one batch, as many as embeddings take inputs. */
const MAX_PROMPTS = 2048;

function parsePrompts(prompt: unknown): CompletionsRequest['prompts'] {
  if (prompt === undefined || prompt === null) return [{ text: '<|endoftext|>' }];
  if (typeof prompt === 'string') return [{ text: prompt }];
  if (!Array.isArray(prompt)) throw wrongType('prompt', 'a string, an array of strings, or token arrays', prompt);
  if (prompt.length === 0) throw invalidRequest("Invalid 'prompt': empty array.", 'prompt', 'empty_array');
  if (isTokens(prompt)) return [{ tokens: prompt }];
  if (prompt.length > MAX_PROMPTS) {
    throw invalidRequest(
      `Invalid 'prompt': array too long. Expected at most ${MAX_PROMPTS} prompts, but got ${prompt.length}.`,
      'prompt',
      'array_above_max_length',
    );
  }
  return prompt.map((p, i) => {
    if (typeof p === 'string') return { text: p };
    if (isTokens(p)) return { tokens: p };
    throw wrongType(`prompt[${i}]`, 'a string or an array of token ids', p);
  });
}

export function parseCompletionsRequest(body: Body, model: ModelSpec): CompletionsRequest {
  const prompts = parsePrompts(body.prompt);
  const maxTokens = optionalInteger(body, 'max_tokens', 0) ?? DEFAULT_MAX_TOKENS;
  if (maxTokens > model.max_completion_tokens) {
    throw invalidRequest(
      `max_tokens is too large: ${maxTokens}. This model supports at most ${model.max_completion_tokens} completion tokens.`,
      'max_tokens',
      'invalid_value',
    );
  }
  const stream = optionalBoolean(body, 'stream') ?? false;
  if (body.stream_options !== undefined && body.stream_options !== null && !stream) {
    throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', null);
  }
  const logprobs = optionalInteger(body, 'logprobs', 0, 5);
  const n = optionalInteger(body, 'n', 1, 128) ?? 1;
  const bestOf = optionalInteger(body, 'best_of', 1, 20);
  if (bestOf !== undefined && bestOf < n) {
    throw invalidRequest(`best_of must be greater than or equal to n, but got best_of=${bestOf} and n=${n}.`, 'best_of', 'invalid_value');
  }
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  const seed = optionalInteger(body, 'seed', Number.MIN_SAFE_INTEGER);
  const suffix = optionalString(body, 'suffix');
  return {
    prompts,
    maxTokens,
    n,
    stop: stopSequences(body),
    stream,
    includeUsage: Boolean(body.stream_options && (body.stream_options as Body).include_usage === true),
    echo: optionalBoolean(body, 'echo') ?? false,
    ...(logprobs !== undefined ? { logprobs } : {}),
    ...(suffix !== undefined ? { suffix } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}
