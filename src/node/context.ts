import { Payments } from '../payment/payments.ts';
import { ModelIndex } from '../scenario/model-index.ts';
import type { ModelKind, ModelSpec, Scenario } from '../scenario/types.ts';
import { invalidModel, invalidRequest } from './errors.ts';

/** What every route needs: the active scenario and lookups derived from it. Swapped whole on reload. */
export class NodeContext {
  readonly models: ModelIndex;
  readonly payments: Payments;

  constructor(readonly scenario: Scenario) {
    this.models = new ModelIndex(scenario.models);
    this.payments = new Payments(scenario);
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
