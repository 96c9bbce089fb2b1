import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../../src/scenario/schema.ts';

describe('scenarios/scenario.schema.json', () => {
  it('is the schema the loader validates with (regenerate with `routstr-mock scenario schema > scenarios/scenario.schema.json`)', () => {
    const committed: unknown = JSON.parse(readFileSync(new URL('../../scenarios/scenario.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema)));
  });
});
