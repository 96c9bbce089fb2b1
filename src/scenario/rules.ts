import { Rng, hashSeed } from '../generate/random.ts';
import { boundedName, keptText } from '../limits/client-strings.ts';
import { type Fingerprint, type FingerprintPart, fingerprintRequest, parseFingerprint } from '../record/fingerprint.ts';
import { RecentMap } from '../limits/recent-map.ts';
import { parseRegex } from './regex.ts';
import type { FaultSpec, ReplySpec, RuleSpec, WhenSpec } from './types.ts';

/**
 * Scenario rules: which request a rule applies to (`when`), and whether it fires this time
 * (counters, seeded probability, `times`). First matching rule that fires wins. Pure: no HTTP.
 */

/** What a rule can look at, extracted once per request. */
export interface RequestFacts {
  method: string;
  /** Path without query and without a leading `/v1`, e.g. `/chat/completions`. */
  path: string;
  model?: string;
  /** The credential: the Bearer value or the X-Cashu token. */
  key?: string;
  headers: Record<string, string | string[] | undefined>;
  stream: boolean;
  /** Last user message text. */
  message: string;
  /** System (and developer) prompts, joined. */
  system: string;
  tools: string[];
  toolResult: boolean;
  /** `x-mock-session` header, for counters isolated per test. */
  session?: string;
  /** The parsed body, for `when.fingerprint` (hashed only when a rule asks). */
  body?: unknown;
}

const fingerprints = new WeakMap<RequestFacts, Fingerprint>();

/** The request's normalised key (src/record/fingerprint.ts), computed once per request and only when needed. */
export function fingerprintOfFacts(facts: RequestFacts): Fingerprint {
  let fp = fingerprints.get(facts);
  if (!fp) {
    fp = fingerprintRequest(facts.path, facts.body);
    fingerprints.set(facts, fp);
  }
  return fp;
}

/** One condition of a rule's `when` a request does not meet; values only for fields that are safe and short to show. */
export interface RuleDifference {
  /** The `when` key (`model`, `path`, …) or, for `when.fingerprint`, the part (`messages`, `tools`, …). */
  field: string;
  request?: string | boolean | null;
  rule?: string | boolean;
}

/** The rule closest to a request that matched none: the fewest conditions missed, the first in order on a tie. */
export interface NearestRule {
  index: number;
  name: string;
  differs: RuleDifference[];
}

/** How often each rule fired, for coverage. */
export interface RuleHits {
  index: number;
  name: string;
  hits: number;
}

export interface FiredRule {
  index: number;
  name: string;
  fault?: FaultSpec;
  reply?: ReplySpec;
}

type TextMatcher = (value: string | undefined) => boolean;

function textMatcher(spec: string, mode: 'exact' | 'contains'): TextMatcher {
  const regex = parseRegex(spec);
  if (regex) return (v) => v !== undefined && regex.test(v);
  const wanted = spec.toLowerCase();
  return mode === 'exact' ? (v) => v !== undefined && v.toLowerCase() === wanted : (v) => v !== undefined && v.toLowerCase().includes(wanted);
}

export function normalisePath(path: string): string {
  const bare = path.split('?')[0] ?? '/';
  return bare.startsWith('/v1/') || bare === '/v1' ? bare.slice(3) || '/' : bare;
}

function headerValue(headers: RequestFacts['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

interface CompiledRule {
  index: number;
  name: string;
  spec: RuleSpec;
  /** Everything in `when` except counters, probability and time window. */
  matches: (facts: RequestFacts) => boolean;
  /** The same conditions one by one, for the nearest-rule diff. */
  checks: NamedCheck[];
}

interface NamedCheck {
  field: string;
  test: (f: RequestFacts) => boolean;
  /** The two values, for fields worth showing (never the credential). */
  values?: (f: RequestFacts) => Pick<RuleDifference, 'request' | 'rule'>;
}

function compileChecks(when: WhenSpec | undefined): NamedCheck[] {
  if (!when) return [];
  const checks: NamedCheck[] = [];
  // The request's value is the client's: quoted as far as it is kept (coverage keeps it).
  const shown = (spec: string | boolean, value: (f: RequestFacts) => string | boolean | undefined) => (f: RequestFacts) => {
    const v = value(f);
    return { request: typeof v === 'string' ? keptText(v) : (v ?? null), rule: spec };
  };
  if (when.path !== undefined) {
    const m = textMatcher(parseRegex(when.path) ? when.path : normalisePath(when.path), 'exact');
    checks.push({ field: 'path', test: (f) => m(f.path), values: shown(when.path, (f) => f.path) });
  }
  if (when.method !== undefined) {
    const m = textMatcher(when.method, 'exact');
    checks.push({ field: 'method', test: (f) => m(f.method), values: shown(when.method, (f) => f.method) });
  }
  if (when.model !== undefined) {
    const m = textMatcher(when.model, 'exact');
    checks.push({ field: 'model', test: (f) => m(f.model), values: shown(when.model, (f) => f.model) });
  }
  if (when.key !== undefined) {
    const m = textMatcher(when.key, 'exact');
    checks.push({ field: 'key', test: (f) => m(f.key) });
  }
  if (when.stream !== undefined) checks.push({ field: 'stream', test: (f) => f.stream === when.stream, values: shown(when.stream, (f) => f.stream) });
  if (when.message !== undefined) {
    const m = textMatcher(when.message, 'contains');
    checks.push({ field: 'message', test: (f) => m(f.message) });
  }
  if (when.system !== undefined) {
    const m = textMatcher(when.system, 'contains');
    checks.push({ field: 'system', test: (f) => m(f.system) });
  }
  if (when.tools !== undefined) {
    const wanted = when.tools;
    checks.push({ field: 'tools', test: (f) => wanted.every((t) => f.tools.includes(t)) });
  }
  if (when.tool_result !== undefined) checks.push({ field: 'tool_result', test: (f) => f.toolResult === when.tool_result });
  for (const [name, spec] of Object.entries(when.header ?? {})) {
    const m = textMatcher(spec, 'exact');
    checks.push({ field: `header.${name}`, test: (f) => m(headerValue(f.headers, name)) });
  }
  if (when.fingerprint !== undefined) {
    // One check per part, so a miss can say which part differed.
    for (const [part, wanted] of Object.entries(parseFingerprint(when.fingerprint)) as [FingerprintPart, string][]) {
      const actual = (f: RequestFacts) => fingerprintOfFacts(f).parts[part];
      checks.push({ field: part, test: (f) => actual(f) === wanted, values: (f) => ({ request: actual(f) ?? null, rule: wanted }) });
    }
  }
  return checks;
}

function allOf(checks: NamedCheck[]): (facts: RequestFacts) => boolean {
  if (checks.length === 0) return () => true;
  return (facts) => {
    for (const check of checks) if (!check.test(facts)) return false;
    return true;
  };
}

/** Requests that met a rule's conditions (`seen`, for `nth`) and times it fired (`fired`, for `times`), in one bucket. */
interface RuleCounter {
  seen: number;
  fired: number;
}

/**
 * `per: key` / `per: session` counters kept at most. Decisions stay a function of the seed and the
 * requests so far; only a client unseen while 10 000 others came counts afresh.
 */
export const MAX_CLIENT_COUNTERS = 10_000;

export class RuleEngine {
  private readonly rules: CompiledRule[] = [];
  /** Times each rule fired, all buckets together, for coverage. */
  private readonly hits: number[] = [];
  /** Each rule's counter without `per` (one per rule, so bounded by the scenario). */
  private readonly globalCounters: RuleCounter[] = [];
  /** Counters of `per: key` and `per: session` rules, one per rule and client: bounded, least recently used forgotten first. */
  private readonly clientCounters = new RecentMap<string, RuleCounter>(MAX_CLIENT_COUNTERS);

  constructor(
    rules: readonly RuleSpec[],
    private readonly seed: number,
    private readonly startedAt: number,
  ) {
    for (const spec of rules) this.add(spec);
  }

  /** Appends a rule (recorded while serving, with `--record-missing`); it takes effect for the next request. */
  add(spec: RuleSpec): void {
    const index = this.rules.length;
    const checks = compileChecks(spec.when);
    this.rules.push({ index, name: spec.name ?? `rule ${index + 1}`, spec, matches: allOf(checks), checks });
    this.hits.push(0);
    this.globalCounters.push({ seen: 0, fired: 0 });
  }

  /** Every client counter's bucket name, at most MAX_CLIENT_COUNTERS (for tests of their bounds). */
  clientCounterNames(): string[] {
    return [...this.clientCounters.keys()];
  }

  /** Every rule with the number of times it fired. */
  coverage(): RuleHits[] {
    return this.rules.map((r) => ({ index: r.index, name: r.name, hits: this.hits[r.index] ?? 0 }));
  }

  /**
   * The rule closest to a request (among those `only` accepts): the one missing the fewest of its
   * `when` conditions (counters, probability and time windows aside), the first in order on a tie.
   */
  nearest(facts: RequestFacts, only: (spec: RuleSpec) => boolean = () => true): NearestRule | undefined {
    let best: NearestRule | undefined;
    for (const rule of this.rules) {
      if (!only(rule.spec)) continue;
      const differs: RuleDifference[] = [];
      for (const check of rule.checks) if (!check.test(facts)) differs.push({ field: check.field, ...check.values?.(facts) });
      if (!best || differs.length < best.differs.length) best = { index: rule.index, name: rule.name, differs };
    }
    return best;
  }

  /** The first rule that matches and fires for this request, counting it. */
  decide(facts: RequestFacts, now: number): FiredRule | undefined {
    for (const rule of this.rules) {
      const { spec } = rule;
      if (!rule.matches(facts)) continue;
      if (!this.inWindow(spec.when, now)) continue;
      // Counters and `times` are kept per bucket: with `per: session` each test session gets its own.
      const client = this.clientOf(spec, facts);
      const bucket = `${rule.index}|${client ?? 'global'}`;
      const counter = client === undefined ? this.globalCounters[rule.index]! : this.clientCounter(bucket);
      if (spec.times !== undefined && counter.fired >= spec.times) continue;
      const count = (counter.seen += 1);
      if (!countMatches(spec.when?.nth, count)) continue;
      const p = spec.when?.probability;
      if (p !== undefined && !new Rng(hashSeed(this.seed, 'probability', bucket, count)).chance(p)) continue;
      counter.fired += 1;
      this.hits[rule.index] = (this.hits[rule.index] ?? 0) + 1;
      return { index: rule.index, name: rule.name, ...(spec.fault ? { fault: spec.fault } : {}), ...(spec.reply ? { reply: spec.reply } : {}) };
    }
    return undefined;
  }

  private inWindow(when: WhenSpec | undefined, now: number): boolean {
    const window = when?.window;
    if (!window) return true;
    const elapsed = now - this.startedAt;
    return (window.from_ms === undefined || elapsed >= window.from_ms) && (window.until_ms === undefined || elapsed < window.until_ms);
  }

  /** `key:<credential>` or `session:<id>` for a rule counted per client (long values as a digest); undefined without `per`. */
  private clientOf(spec: RuleSpec, facts: RequestFacts): string | undefined {
    switch (spec.per ?? 'global') {
      case 'key':
        return `key:${boundedName(facts.key ?? '')}`;
      case 'session':
        return `session:${boundedName(facts.session ?? '')}`;
      default:
        return undefined;
    }
  }

  /**
   * A client bucket's counter, made the most recently used. A new one past MAX_CLIENT_COUNTERS
   * forgets the least recently used (which starts again from 0 if its client comes back), so a
   * flood of made-up keys costs a bounded map, not memory per key.
   */
  private clientCounter(bucket: string): RuleCounter {
    let counter = this.clientCounters.get(bucket);
    if (!counter) {
      counter = { seen: 0, fired: 0 };
      this.clientCounters.set(bucket, counter);
    }
    return counter;
  }
}

/** `nth: 3` fires on the 3rd matching request; `{every: k}`, `{first: n}`, `{after: n}` combine. */
export function countMatches(nth: WhenSpec['nth'], count: number): boolean {
  if (nth === undefined) return true;
  if (typeof nth === 'number') return count === nth;
  if (nth.every !== undefined && count % nth.every !== 0) return false;
  if (nth.first !== undefined && count > nth.first) return false;
  if (nth.after !== undefined && count <= nth.after) return false;
  return true;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
}

/** Facts of a request for rule matching; the body may be anything a client sent. */
export function requestFacts(method: string, url: string, headers: RequestFacts['headers'], body: unknown): RequestFacts {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const messages = Array.isArray(b.messages) ? (b.messages as { role?: unknown; content?: unknown }[]).filter((m) => m && typeof m === 'object') : [];
  let message = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      message = textOf(messages[i]!.content);
      break;
    }
  }
  if (!message && typeof b.prompt === 'string') message = b.prompt;
  if (!message && typeof b.input === 'string') message = b.input;
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => textOf(m.content))
    .join('\n');
  const tools = Array.isArray(b.tools)
    ? (b.tools as { function?: { name?: unknown } }[]).map((t) => t?.function?.name).filter((n): n is string => typeof n === 'string')
    : [];
  const auth = headers.authorization;
  const bearer = typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '').trim() : undefined;
  const xcashu = headers['x-cashu'];
  const session = headers['x-mock-session'];
  return {
    method: method.toUpperCase(),
    path: normalisePath(url),
    ...(typeof b.model === 'string' ? { model: b.model } : {}),
    ...(typeof xcashu === 'string' && xcashu ? { key: xcashu.trim() } : bearer ? { key: bearer } : {}),
    headers,
    stream: b.stream === true,
    message,
    system,
    tools,
    toolResult: messages.some((m) => m.role === 'tool' || m.role === 'function'),
    ...(typeof session === 'string' ? { session } : {}),
    ...(body !== undefined ? { body } : {}),
  };
}
