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
}

/** Rules are matched in order; the engine that evaluates them arrives with fault injection. */
export interface RuleSpec {
  name?: string;
  when?: Record<string, unknown>;
  reply?: Record<string, unknown>;
  fault?: Record<string, unknown>;
  times?: number;
}
