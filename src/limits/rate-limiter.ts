/**
 * A per-key rate limiter on requests per minute (RPM) and tokens per minute (TPM), for the
 * scenario's `limits`. Pure: no HTTP, and the clock is passed in, so tests drive it with a fake one.
 *
 * Algorithm: a rolling (sliding-log) 60 s window, not a token bucket. Each key keeps the times of
 * its admitted requests and of its token records inside the last 60 s. The reason is
 * predictability for the tests that use the mock: "rpm: 3" then means exactly "at most 3 requests
 * in any 60 s", the 4th is refused until the oldest one leaves the window, and the Retry-After the
 * node sends is exactly that moment (never more than 60 s, so the OpenAI SDK, which honours
 * `retry-after-ms` / `retry-after` only within 0–60 s, always waits for it). A token bucket would
 * refill continuously (one request back every 60/rpm s), which is harder to reason about in a test
 * and not what "per minute" suggests. Memory is bounded by rpm per key plus one record per
 * request in the window; keys with nothing left in the window are dropped, and past
 * MAX_TRACKED_KEYS keys the least recently used is forgotten.
 *
 * Counting rules:
 * - A request counts when it is admitted (so concurrent requests cannot overshoot the limit); a
 *   request the limiter itself refuses does not count, so waiting Retry-After is always enough.
 * - Tokens (prompt + completion) count after the fact, when a response has been settled, as OpenAI
 *   counts real usage; a request is refused while the tokens in the window are at or over `tpm`.
 */

import { RecentMap } from './recent-map.ts';

export interface RateLimits {
  /** Requests per minute per key. */
  rpm?: number;
  /** Tokens (prompt + completion) per minute per key. */
  tpm?: number;
}

export const WINDOW_MS = 60_000;

/** Why a request was refused: the limit that is hit (the one that frees last, when both are). */
export interface Refusal {
  ok: false;
  /** How long until this key would be admitted again, in whole ms, at least 1. */
  retryAfterMs: number;
  metric: 'requests' | 'tokens';
  limit: number;
  used: number;
}

export type Admission = { ok: true } | Refusal;

interface TokenRecord {
  at: number;
  tokens: number;
}

interface KeyState {
  /** Times of admitted requests, oldest first. */
  requests: number[];
  /** Token records, oldest first. */
  tokens: TokenRecord[];
  tokenSum: number;
}

/** Keys kept before a sweep drops the idle ones (X-Cashu tokens make a new key per request). */
const SWEEP_THRESHOLD = 1000;

/**
 * Keys tracked at most: past it the least recently used key is forgotten (as if its window were
 * over), so a flood of new keys inside one window costs a bounded map, not memory per key.
 */
export const MAX_TRACKED_KEYS = 10_000;

export class RateLimiter {
  private readonly keys = new RecentMap<string, KeyState>(MAX_TRACKED_KEYS);
  private lastSweep = -Infinity;

  constructor(
    readonly limits: RateLimits,
    readonly windowMs = WINDOW_MS,
  ) {}

  /** True when at least one limit is set. */
  get enabled(): boolean {
    return this.limits.rpm !== undefined || this.limits.tpm !== undefined;
  }

  /** Whether a request from `key` would be admitted now; changes nothing. */
  check(key: string, now: number): Admission {
    const state = this.state(key, now, false);
    if (!state) return { ok: true };
    const refusals: Refusal[] = [];
    const { rpm, tpm } = this.limits;
    if (rpm !== undefined && state.requests.length >= rpm) {
      // The (length - rpm + 1)-th oldest must leave the window before one more fits.
      const freeing = state.requests[state.requests.length - rpm]!;
      refusals.push({ ok: false, metric: 'requests', limit: rpm, used: state.requests.length, retryAfterMs: this.until(freeing, now) });
    }
    if (tpm !== undefined && state.tokenSum >= tpm) {
      // Drop records oldest first until the sum is under the limit; that record's expiry is the answer.
      let sum = state.tokenSum;
      let freeing = state.tokens[0]!.at;
      for (const record of state.tokens) {
        sum -= record.tokens;
        freeing = record.at;
        if (sum < tpm) break;
      }
      refusals.push({ ok: false, metric: 'tokens', limit: tpm, used: state.tokenSum, retryAfterMs: this.until(freeing, now) });
    }
    if (refusals.length === 0) return { ok: true };
    return refusals.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a));
  }

  /** `check`, and when admitted, counts the request. */
  admit(key: string, now: number): Admission {
    const verdict = this.check(key, now);
    if (!verdict.ok || this.limits.rpm === undefined) return verdict;
    this.state(key, now, true)!.requests.push(now);
    this.maybeSweep(now);
    return verdict;
  }

  /** Counts the tokens of a settled response (prompt + completion). */
  record(key: string, tokens: number, now: number): void {
    if (this.limits.tpm === undefined || !(tokens > 0)) return;
    const state = this.state(key, now, true)!;
    state.tokens.push({ at: now, tokens });
    state.tokenSum += tokens;
    this.maybeSweep(now);
  }

  /** What is used in the current window. */
  usage(key: string, now: number): { requests: number; tokens: number } {
    const state = this.state(key, now, false);
    return { requests: state?.requests.length ?? 0, tokens: state?.tokenSum ?? 0 };
  }

  /**
   * OpenAI's `x-ratelimit-*` headers for this key, for each limit that is set. `remaining-*` is what
   * is left in the window now; `reset-*` is, as OpenAI defines it, the time until the limit is back
   * to its initial state (the newest record leaves the window), e.g. "59.5s", "1m0s", "0s".
   */
  headers(key: string, now: number): Record<string, string> {
    const state = this.state(key, now, false);
    const out: Record<string, string> = {};
    const { rpm, tpm } = this.limits;
    if (rpm !== undefined) {
      const newest = state?.requests[state.requests.length - 1];
      out['x-ratelimit-limit-requests'] = String(rpm);
      out['x-ratelimit-remaining-requests'] = String(Math.max(0, rpm - (state?.requests.length ?? 0)));
      out['x-ratelimit-reset-requests'] = formatReset(newest === undefined ? 0 : this.until(newest, now));
    }
    if (tpm !== undefined) {
      const newest = state?.tokens[state.tokens.length - 1]?.at;
      out['x-ratelimit-limit-tokens'] = String(tpm);
      out['x-ratelimit-remaining-tokens'] = String(Math.max(0, tpm - (state?.tokenSum ?? 0)));
      out['x-ratelimit-reset-tokens'] = formatReset(newest === undefined ? 0 : this.until(newest, now));
    }
    return out;
  }

  /** Keys currently tracked (for tests of the sweep). */
  get trackedKeys(): number {
    return this.keys.size;
  }

  /** Whole ms from `now` until a record made at `at` has left the window (at least 1). */
  private until(at: number, now: number): number {
    return Math.max(1, Math.ceil(at + this.windowMs - now));
  }

  /** The key's state with everything older than the window dropped; created when asked to. */
  private state(key: string, now: number, create: boolean): KeyState | undefined {
    // Only a request that is counted makes its key the most recently used.
    let state = create ? this.keys.get(key) : this.keys.peek(key);
    if (state) this.prune(state, now);
    if (create && !state) {
      state = { requests: [], tokens: [], tokenSum: 0 };
      this.keys.set(key, state);
    }
    return state;
  }

  /** A record made at `at` is inside the window while now - at < windowMs. */
  private prune(state: KeyState, now: number): void {
    const horizon = now - this.windowMs;
    let r = 0;
    while (r < state.requests.length && state.requests[r]! <= horizon) r++;
    if (r > 0) state.requests.splice(0, r);
    let t = 0;
    while (t < state.tokens.length && state.tokens[t]!.at <= horizon) state.tokenSum -= state.tokens[t++]!.tokens;
    if (t > 0) state.tokens.splice(0, t);
  }

  private maybeSweep(now: number): void {
    if (this.keys.size <= SWEEP_THRESHOLD || now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, state] of this.keys) {
      this.prune(state, now);
      if (state.requests.length === 0 && state.tokens.length === 0) this.keys.delete(key);
    }
  }
}

/**
 * A duration as OpenAI writes `x-ratelimit-reset-*` (Go's duration format): "0s", "250ms",
 * "1s", "59.5s", "1m0s", "6m0s", "1h0m0s".
 */
export function formatReset(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = ((total % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
