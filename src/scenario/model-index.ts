import type { ModelSpec } from './types.ts';

/**
 * Model lookup as real nodes do it: case-insensitive, through aliases, and retried with a
 * trailing date suffix removed (`gpt-4o-mini-2024-07-18` finds `gpt-4o-mini`).
 */
export class ModelIndex {
  private readonly byId = new Map<string, ModelSpec>();

  constructor(readonly models: readonly ModelSpec[]) {
    for (const model of models) {
      this.byId.set(model.id.toLowerCase(), model);
      for (const alias of model.aliases) this.byId.set(alias.toLowerCase(), model);
    }
  }

  find(id: string): ModelSpec | undefined {
    const key = id.toLowerCase();
    return this.byId.get(key) ?? this.byId.get(key.replace(/-(\d{8}|\d{4}-\d{2}-\d{2})$/, ''));
  }
}
