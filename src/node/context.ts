import { Payments } from '../payment/payments.ts';
import { type Coverage, UnmatchedRequests, coverageOf } from '../record/coverage.ts';
import { ModelIndex } from '../scenario/model-index.ts';
import { type FiredRule, type NearestRule, type RequestFacts, RuleEngine, fingerprintOfFacts } from '../scenario/rules.ts';
import type { FaultSpec, ModelKind, ModelSpec, RuleSpec, Scenario, WhenSpec } from '../scenario/types.ts';
import { invalidModel, invalidRequest } from './errors.ts';
import { DEFAULT_REPLAY, type ReplaySettings } from './replay.ts';

/** A fault queued through the control plane: fires on the next `count` requests that match. */
interface QueuedFault {
  fault: FaultSpec;
  remaining: number;
  engine: RuleEngine;
}

/**
 * Everything derived from the active scenario: models, money, rule counters. Swapped whole when a
 * scenario is loaded or the state is reset, so a reload never leaves half-old state behind.
 */
export class NodeContext {
  readonly models: ModelIndex;
  readonly payments: Payments;
  readonly rules: RuleEngine;
  private readonly queued: QueuedFault[] = [];
  private readonly unmatched = new UnmatchedRequests();

  constructor(
    readonly scenario: Scenario,
    /** How recorded scenarios are replayed (serve --strict, --record-missing, --replay-speed). */
    readonly replay: ReplaySettings = DEFAULT_REPLAY,
  ) {
    this.models = new ModelIndex(scenario.models);
    this.payments = new Payments(scenario);
    this.rules = new RuleEngine(scenario.rules, scenario.seed, Date.now());
  }

  get hasRules(): boolean {
    return this.scenario.rules.length > 0 || this.queued.length > 0;
  }

  /** Queued one-shot faults first, then the scenario's rules in order. */
  decide(facts: RequestFacts): FiredRule | undefined {
    const now = Date.now();
    for (const q of this.queued) {
      if (!q.engine.decide(facts, now)) continue;
      q.remaining -= 1;
      if (q.remaining <= 0) this.queued.splice(this.queued.indexOf(q), 1);
      return { index: -1, name: 'queued fault', fault: q.fault };
    }
    return this.rules.decide(facts, now);
  }

  /** A rule recorded while serving (`--record-missing`): part of the scenario from now on. */
  addRule(rule: RuleSpec): void {
    this.scenario.rules.push(rule);
    this.rules.add(rule);
  }

  /** Counts a model request that matched no rule, with the rule nearest to it, for coverage. */
  noteUnmatched(facts: RequestFacts): void {
    this.unmatched.note(
      {
        method: facts.method,
        path: facts.path,
        ...(facts.model !== undefined ? { model: facts.model } : {}),
        stream: facts.stream,
        fingerprint: fingerprintOfFacts(facts).text,
      },
      () => this.rules.nearest(facts),
    );
  }

  /** The recorded rule nearest to a request (any rule when none is recorded). */
  nearestRecorded(facts: RequestFacts): NearestRule | undefined {
    return this.rules.nearest(facts, (spec) => spec.reply?.recorded !== undefined) ?? this.rules.nearest(facts);
  }

  /** Rules never hit and model requests that matched no rule, since the scenario was loaded or reset. */
  coverage(): Coverage {
    return coverageOf(this.scenario.source, this.rules.coverage(), this.unmatched.list());
  }

  /** "The next 2 chat requests fail with 429": a fault for the next `count` requests matching `when`. */
  queueFault(fault: FaultSpec, count = 1, when?: WhenSpec): void {
    this.queued.push({ fault, remaining: count, engine: new RuleEngine([{ ...(when ? { when } : {}), fault }], this.scenario.seed, Date.now()) });
  }

  queuedFaults(): { fault: FaultSpec; remaining: number }[] {
    return this.queued.map(({ fault, remaining }) => ({ fault, remaining }));
  }

  /** Unknown model → 400 invalid_model, before authentication, as on real nodes. */
  resolveModel(model: unknown): ModelSpec {
    const id = typeof model === 'string' && model !== '' ? model : 'unknown';
    const found = this.models.find(id);
    if (!found) throw invalidModel(id);
    return found;
  }

  /** The upstream's refusal when a model is used on an endpoint it cannot serve. */
  requireKind(model: ModelSpec, kinds: readonly ModelKind[], endpoint: string): void {
    if (!kinds.includes(model.kind)) {
      throw invalidRequest(`The model '${model.id}' is a ${model.kind} model and is not supported by ${endpoint}.`, 'model', 'model_not_supported');
    }
  }
}
