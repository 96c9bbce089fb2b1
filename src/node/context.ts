import { Payments } from '../payment/payments.ts';
import { ModelIndex } from '../scenario/model-index.ts';
import { type FiredRule, type RequestFacts, RuleEngine } from '../scenario/rules.ts';
import type { FaultSpec, ModelKind, ModelSpec, Scenario, WhenSpec } from '../scenario/types.ts';
import { invalidModel, invalidRequest } from './errors.ts';

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

  constructor(readonly scenario: Scenario) {
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
