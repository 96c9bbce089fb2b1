import type { NearestRule, RuleHits } from '../scenario/rules.ts';
import { keptText } from '../limits/client-strings.ts';
import { FINGERPRINT_PARTS } from './fingerprint.ts';

/**
 * Coverage of a scenario's rules: which rules never fired, and which model requests matched no
 * rule (each with the rule nearest to it and what differed). What `GET /__mock/coverage` answers
 * and `serve` sums up in one line at shutdown. Pure.
 */

export interface UnmatchedRequest {
  method: string;
  path: string;
  model?: string;
  stream: boolean;
  /** The request's normalised key (src/record/fingerprint.ts). */
  fingerprint: string;
  /** Requests with the same method, path, model, stream and fingerprint. */
  count: number;
  /** ISO time of the first one. */
  first_at: string;
  nearest?: NearestRule;
}

export interface Coverage {
  scenario: string;
  rules: RuleHits[];
  never_hit: RuleHits[];
  unmatched: UnmatchedRequest[];
}

const MAX_UNMATCHED = 200;

/** Requests that matched no rule, grouped by their key; bounded (the oldest groups stay). */
export class UnmatchedRequests {
  private readonly byKey = new Map<string, UnmatchedRequest>();

  note(sent: Omit<UnmatchedRequest, 'count' | 'first_at' | 'nearest'>, nearest: () => NearestRule | undefined): UnmatchedRequest | undefined {
    // Kept for the life of the scenario: the client's path and model only as far as they are kept.
    const request = { ...sent, path: keptText(sent.path), ...(sent.model !== undefined ? { model: keptText(sent.model) } : {}) };
    const key = `${request.method} ${request.path} ${request.model ?? ''} ${request.stream} ${request.fingerprint}`;
    const seen = this.byKey.get(key);
    if (seen) {
      seen.count++;
      return seen;
    }
    if (this.byKey.size >= MAX_UNMATCHED) return undefined;
    const near = nearest();
    const entry: UnmatchedRequest = { ...request, count: 1, first_at: new Date().toISOString(), ...(near ? { nearest: near } : {}) };
    this.byKey.set(key, entry);
    return entry;
  }

  list(): UnmatchedRequest[] {
    return [...this.byKey.values()];
  }
}

export function coverageOf(scenario: string, rules: RuleHits[], unmatched: UnmatchedRequest[]): Coverage {
  return { scenario, rules, never_hit: rules.filter((r) => r.hits === 0), unmatched };
}

function listed<T>(items: T[], show: (item: T) => string, max = 3): string {
  const shown = items.slice(0, max).map(show).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** "rule 3 "name"" */
export function ruleLabel(rule: { index: number; name: string }): string {
  return `rule ${rule.index + 1} "${rule.name}"`;
}

/** What differed, in words: `messages`, `model (request "a", rule "b")`. */
export function describeDifferences(nearest: NearestRule): string {
  if (nearest.differs.length === 0) return 'nothing but its counters (nth, probability, window or times kept it from firing)';
  return nearest.differs
    .map((d) =>
      d.request === undefined || (FINGERPRINT_PARTS as readonly string[]).includes(d.field)
        ? d.field
        : `${d.field} (request ${JSON.stringify(d.request)}, rule ${JSON.stringify(d.rule)})`,
    )
    .join(', ');
}

/** One line for the end of a `serve` run. */
export function coverageSummary(c: Coverage): string {
  const hit = c.rules.length - c.never_hit.length;
  const parts = [`coverage: ${hit} of ${c.rules.length} rule${c.rules.length === 1 ? '' : 's'} hit`];
  if (c.never_hit.length > 0) parts.push(`never hit: ${listed(c.never_hit, ruleLabel)}`);
  const requests = c.unmatched.reduce((n, u) => n + u.count, 0);
  if (requests > 0) {
    parts.push(
      `${requests} request${requests === 1 ? '' : 's'} matched no rule: ${listed(
        c.unmatched,
        (u) =>
          `${u.method} ${u.path}${u.model ? ` ${u.model}` : ''}${u.nearest ? ` (nearest ${ruleLabel(u.nearest)}, differs in ${describeDifferences(u.nearest)})` : ''}`,
        2,
      )}`,
    );
  } else parts.push('every model request matched a rule');
  return `${parts.join('; ')}; details: GET /__mock/coverage`;
}
