/** A scenario after loading: every section present, defaults applied, inheritance resolved. */
export interface Scenario {
  version: 1;
  name: string;
  description: string;
  seed: number;
  node: NodeInfo;
  /** Fixed BTC/USD rate for every USD figure; never fetched. */
  btc_usd: number;
  models: ModelSpec[];
  keys: KeySpec[];
  stream: StreamSpec;
  rules: RuleSpec[];
  /** Per-key rate limits; absent means none (real nodes have no limiter of their own). */
  limits?: LimitsSpec;
  /** Where the file came from, for messages. */
  source: string;
}

export interface NodeInfo {
  name: string;
  description: string;
  version: string;
  npub: string;
  mints: string[];
  http_url: string;
  onion_url: string;
  child_key_cost_msats: number;
}

export type ModelKind = 'chat' | 'embedding' | 'image' | 'transcription' | 'speech';

export interface ModelSpec {
  id: string;
  name: string;
  description: string;
  kind: ModelKind;
  /** Unix seconds. */
  created: number;
  owned_by: string;
  sats_per_million_tokens: { prompt: number; completion: number };
  context_length: number;
  max_completion_tokens: number;
  /** Embedding models: native vector size. */
  dimensions?: number;
  tokenizer?: 'cl100k_base' | 'o200k_base';
  aliases: string[];
}

export interface KeySpec {
  key: string;
  balance_msats: number;
}

export interface StreamSpec {
  /** Delay before the first content chunk. */
  ttft_ms: number;
  /** Pace of content after the first chunk; 0 means as fast as possible. */
  tokens_per_second: number;
  /** Tokens per content delta. */
  chunk_tokens: number;
  /**
   * `always`: like real Routstr nodes, every streamed chat ends with a `choices: []` usage chunk.
   * `requested`: only when the client sets `stream_options.include_usage` (plain OpenAI behaviour).
   */
  usage_chunk: 'always' | 'requested';
  /** Seeded random variation of each gap between chunks, as a fraction (0.2 = ±20 %). */
  jitter: number;
  /** A streaming client that takes nothing for this long is disconnected, uncharged (sse-writer.ts). */
  client_timeout_ms: number;
}

export interface LimitsSpec {
  /** Requests per minute per key. */
  rpm?: number;
  /** Tokens (prompt + completion) per minute per key. */
  tpm?: number;
}

/** Rules are matched in order; the first that matches and fires decides the reply or the fault. */
export interface RuleSpec {
  name?: string;
  when?: WhenSpec;
  reply?: ReplySpec;
  fault?: FaultSpec;
  /** The rule is spent after firing this many times. */
  times?: number;
  /** Counters (`nth`, `probability`) per key, per `x-mock-session` header, or shared. */
  per?: 'global' | 'key' | 'session';
}

export interface WhenSpec {
  path?: string;
  method?: string;
  model?: string;
  key?: string;
  header?: Record<string, string>;
  stream?: boolean;
  message?: string;
  system?: string;
  tools?: string[];
  tool_result?: boolean;
  nth?: number | { every?: number; first?: number; after?: number };
  probability?: number;
  /** Milliseconds since the scenario was loaded. */
  window?: { from_ms?: number; until_ms?: number };
  /**
   * The request's normalised key (src/record/fingerprint.ts), as `routstr-mock record` writes it:
   * `messages=1a2b3c4d tools=- format=- params=9e8f7a6b`. Every part listed must match; parts left
   * out are not compared.
   */
  fingerprint?: string;
}

export interface ReplySpec {
  content?: string;
  tool_calls?: { name: string; arguments?: unknown }[];
  finish_reason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  /** Embeddings: this vector for every input (cut to `dimensions` when the request asks for fewer). */
  embedding?: number[];
  /** Delay before answering, in ms. */
  delay_ms?: number;
  stream?: Partial<Pick<StreamSpec, 'ttft_ms' | 'tokens_per_second' | 'chunk_tokens' | 'jitter'>>;
  /** A recorded answer, replayed as it was (src/node/replay.ts); takes no other reply key. */
  recorded?: RecordedReply;
}

/** What a node answered once, as `routstr-mock record` keeps it: a JSON/text body, or the events of a stream. */
export interface RecordedReply {
  status: number;
  /** The headers that matter to clients (content type, cost, rate limits, error scope); never credentials. */
  headers?: Record<string, string>;
  /** A JSON body (as YAML), or text. */
  body?: unknown;
  /** A stream: each server-sent event's data (JSON as YAML where it parsed) and when it came, in ms from the request. */
  events?: RecordedEvent[];
  /** The stream was cut after the last event (the connection dropped without a clean end). */
  disconnect?: boolean;
}

export interface RecordedEvent {
  at_ms: number;
  data: unknown;
}

export const FAULT_TYPES = [
  'insufficient_balance',
  'rate_limit',
  'timeout',
  'upstream_error',
  'invalid_api_key',
  'key_expired',
  'invalid_model',
  'disconnect',
  'malformed',
  'stream_error',
  'status',
] as const;

export type FaultType = (typeof FAULT_TYPES)[number];

export interface FaultSpec {
  type: FaultType;
  /** Mid-stream faults: after this many chunks (streams only). */
  after_chunks?: number;
  /** rate_limit: Retry-After in seconds (and `retry-after-ms` when retry_after_ms is set). */
  retry_after_s?: number;
  retry_after_ms?: number;
  /** timeout: hang until the client gives up, or wait delay_ms and then answer. */
  mode?: 'hang' | 'delay';
  delay_ms?: number;
  /** upstream_error / status: the HTTP status. */
  status?: number;
  message?: string;
  code?: string;
  body?: unknown;
  headers?: Record<string, string>;
}
