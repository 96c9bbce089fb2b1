/**
 * The conformance runner's vocabulary: checks, their results, and the report. A check is a small
 * object with an id and a `run` function; the runner decides which to run (areas, capabilities,
 * budget) and with which timeouts.
 */

export const AREAS = ['info', 'models', 'chat', 'stream', 'tools', 'embeddings', 'images', 'audio', 'errors', 'billing', 'x-cashu'] as const;
export type Area = (typeof AREAS)[number];

/** fail: breaks clients or the contract; warn: a spec-only deviation; info: a capability note. */
export type Severity = 'fail' | 'warn' | 'info';

export type Status = 'pass' | 'fail' | 'warn' | 'info' | 'skip' | 'error';

export interface CheckOutcome {
  status: Status;
  /** One line: what was expected and what was seen. */
  reason: string;
  expected?: string;
  actual?: string;
  /** A curl line that reproduces the request, secrets redacted. */
  curl?: string;
  /** Millisats this check actually spent (paid checks). */
  spentMsats?: number;
  /** Which variant the node showed where real nodes differ (e.g. "error envelope: detail+error (>= 0.4.5)"). */
  variant?: string;
}

export interface Capabilities {
  /** Model ids by kind, discovered from /v1/models (kind guessed from Routstr architecture or the id). */
  chat: string[];
  embedding: string[];
  image: string[];
  transcription: string[];
  speech: string[];
  /** The Routstr model objects, by id, for pricing estimates. */
  models: Map<string, Record<string, unknown>>;
  /** Whether /v1/info answered like a Routstr node. */
  routstr: boolean;
}

/**
 * Credentials that move during a run. With a Cashu token as --key, the x-cashu checks spend it
 * and get change back; the checks after them pay with that change as their Bearer credential.
 */
export interface RunSession {
  /** What paid checks send as `Authorization: Bearer`; undefined once a token was spent without change. */
  bearer?: string;
  /** Why `bearer` is gone, for the skip reason of later paid checks. */
  spentBy?: string;
}

/** What the requests of one check saw that the runner judges itself (see runner.ts). */
export interface Observed {
  /** A well-formed upstream failure (the node is fine, its provider is not), with the variant the node used. */
  upstreamFailure?: string;
}

export interface CheckContext {
  observed: Observed;
  /** The id of the check running; sent as the `x-routstr-check` header so node logs (and broken scenarios) can tell checks apart. */
  checkId: string;
  session: RunSession;
  /** Node origin without /v1, e.g. http://127.0.0.1:8000 */
  origin: string;
  /** Base URL for the SDK, ending in /v1. */
  baseURL: string;
  /** The API key or Cashu token given with --key; undefined when only free checks can run. */
  key?: string;
  /** --model, or the cheapest chat model found. */
  model?: string;
  capabilities: Capabilities;
  /** Per-request timeouts in ms. */
  timeouts: { firstByte: number; idle: number; total: number };
  /** Aborted when the check's total time is up. */
  signal: AbortSignal;
  /** Fetch image URLs off the node's origin too (images.format); by default only the node's own are fetched. */
  allowForeignImageUrls?: boolean;
  /** The body of GET /v1/info when it answered with a JSON object (mints, version). */
  info?: Record<string, unknown>;
}

export interface Check {
  /** Stable id, e.g. "chat.schema" or "stream.done". */
  id: string;
  area: Area;
  severity: Severity;
  title: string;
  /** Paid checks need a key and a budget. */
  paid: boolean;
  /** Routstr behaviour (sats pricing, Cashu, balances): skipped on a plain OpenAI-compatible node. */
  routstrOnly?: boolean;
  /** Paid checks: the most this check can cost, in msats, from /v1/models pricing. */
  estimateMsats?: (ctx: CheckContext) => number;
  /**
   * Runs with no other check at the same time: it reads balances that concurrent requests would
   * move, or changes the run's credential (RunSession) that other checks pay with.
   */
  runsAlone?: boolean;
  /** A reason to skip (missing capability), or undefined to run. */
  skipWhen?: (ctx: CheckContext) => string | undefined;
  run: (ctx: CheckContext) => Promise<CheckOutcome>;
}

export interface CheckResult extends CheckOutcome {
  id: string;
  area: Area;
  severity: Severity;
  title: string;
  durationMs: number;
}

export interface Report {
  schemaVersion: 1;
  node: { url: string; name?: string; version?: string };
  sdk: { name: 'openai'; version: string };
  startedAt: string;
  finishedAt: string;
  budget: { maxSats: number; spentMsats: number };
  capabilities: Omit<Capabilities, 'models'>;
  results: CheckResult[];
  summary: Record<Status, number>;
  /** With a Cashu --key that the x-cashu checks turned into change: what became of the remainder. */
  leftover?: { refunded: boolean; note: string };
  /** The whole run's time limit (--deadline) and whether it cut the run short. */
  deadline?: { ms: number; reached: boolean };
  /** Set when the node could not be reached at all (nothing ran; the CLI exits 3). */
  unreachable?: { reason: string };
}
