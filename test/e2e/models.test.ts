import { readFileSync } from 'node:fs';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadSpecValidator } from '../helpers/openai-spec.ts';
import { type TestNode, startTestNode } from '../helpers/node.ts';

let t: TestNode;
const spec = loadSpecValidator();

beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t.close());

/** The default scenario, read straight from the YAML so the expectations do not go through the mock's loader. */
interface ScenarioModel {
  id: string;
  kind?: string;
  sats_per_million_tokens: { prompt: number; completion: number };
  context_length: number;
  max_completion_tokens: number;
}
const defaults = parseYaml(readFileSync(new URL('../../scenarios/default.yaml', import.meta.url), 'utf8')) as { btc_usd: number; models: ScenarioModel[] };

const PRICE_KEYS = [
  'prompt',
  'completion',
  'request',
  'image',
  'web_search',
  'internal_reasoning',
  'input_cache_read',
  'input_cache_write',
  'max_prompt_cost',
  'max_completion_cost',
  'max_cost',
] as const;
type Prices = Record<(typeof PRICE_KEYS)[number], number>;

interface RoutstrModel {
  id: string;
  object: string;
  owned_by: string;
  created: number;
  name: string;
  description: string;
  context_length: number;
  architecture: { modality: string; input_modalities: string[]; output_modalities: string[]; tokenizer: string; instruct_type: string | null };
  pricing: Prices;
  sats_pricing: Prices;
  per_request_limits: unknown;
  top_provider: { context_length: number; max_completion_tokens: number; is_moderated: boolean };
  enabled: boolean;
}

async function getModels(path: string): Promise<{ res: Response; body: { object?: string; data: RoutstrModel[] } }> {
  const res = await fetch(`${t.node.origin}${path}`);
  expect(res.status, path).toBe(200);
  return { res, body: (await res.json()) as { object?: string; data: RoutstrModel[] } };
}

/** Equal to 12 significant digits: the sums below are floating point on both sides. */
function expectClose(actual: number, expected: number, what: string) {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(Math.abs(expected) * 1e-12);
}

describe('GET /v1/models', () => {
  it('lists every scenario model, spec-valid, in the Routstr shape', async () => {
    const { res, body } = await getModels('/v1/models');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(spec.validate('ListModelsResponse', body)).toEqual([]);
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(defaults.models.map((m) => m.id));
    for (const m of body.data) {
      expect(m.object).toBe('model');
      expect(m.owned_by).toBe('openai');
      expect(Number.isInteger(m.created)).toBe(true);
      expect(m.enabled).toBe(true);
      expect(typeof m.name).toBe('string');
      expect(Object.keys(m.sats_pricing).sort()).toEqual([...PRICE_KEYS].sort());
      expect(Object.keys(m.pricing).sort()).toEqual([...PRICE_KEYS].sort());
      expect(m.architecture.modality).toBe(`${m.architecture.input_modalities.join('+')}->${m.architecture.output_modalities.join('+')}`);
    }
  });

  it('architecture says what each kind of model takes and gives', async () => {
    const { body } = await getModels('/v1/models');
    const byId = new Map(body.data.map((m) => [m.id, m]));
    expect(byId.get('gpt-4o-mini')!.architecture.output_modalities).toEqual(['text']);
    expect(byId.get('text-embedding-3-small')!.architecture.output_modalities).toEqual(['embeddings']);
    expect(byId.get('dall-e-3')!.architecture.output_modalities).toEqual(['image']);
    expect(byId.get('whisper-1')!.architecture.input_modalities).toEqual(['audio']);
    expect(byId.get('tts-1')!.architecture.output_modalities).toEqual(['audio']);
  });

  it('prices are the scenario sats per million tokens, as sats and USD per token', async () => {
    const { body } = await getModels('/v1/models');
    const usdPerSat = defaults.btc_usd / 1e8;
    for (const source of defaults.models) {
      const m = body.data.find((x) => x.id === source.id)!;
      const prompt = source.sats_per_million_tokens.prompt / 1e6;
      const completion = source.sats_per_million_tokens.completion / 1e6;
      const cl = source.context_length;
      const mct = source.max_completion_tokens;
      const s = m.sats_pricing;
      expectClose(s.prompt, prompt, `${m.id} prompt`);
      expectClose(s.completion, completion, `${m.id} completion`);
      expect(m.context_length).toBe(cl);
      expect(m.top_provider).toEqual({ context_length: cl, max_completion_tokens: mct, is_moderated: false });
      expectClose(s.max_prompt_cost, cl * prompt, `${m.id} max_prompt_cost`);
      if (cl > mct) {
        expectClose(s.max_completion_cost, mct * completion, `${m.id} max_completion_cost`);
        expectClose(s.max_cost, (cl - mct) * prompt + mct * completion, `${m.id} max_cost`);
      } else {
        // routstr-core caps a completion limit at or above the context window (dall-e-3 here) at the window.
        expectClose(s.max_completion_cost, cl * completion, `${m.id} max_completion_cost`);
        expectClose(s.max_cost, cl * Math.max(prompt, completion), `${m.id} max_cost`);
      }
      // USD = sats × (USD per BTC / sats per BTC).
      for (const key of ['prompt', 'completion', 'max_prompt_cost', 'max_completion_cost', 'max_cost'] as const) {
        expectClose(m.pricing[key], s[key] * usdPerSat, `${m.id} pricing.${key}`);
      }
    }
    // A worked example, in numbers: gpt-4o-mini at 150/600 sats per million, 128000 context, 16384 completion.
    const mini = body.data.find((x) => x.id === 'gpt-4o-mini')!;
    expectClose(mini.sats_pricing.prompt, 0.00015, 'mini prompt');
    expectClose(mini.sats_pricing.max_cost, 111616 * 0.00015 + 16384 * 0.0006, 'mini max_cost');
    expectClose(mini.sats_pricing.max_cost, 26.5728, 'mini max_cost');
    expectClose(mini.pricing.max_cost, 0.0265728, 'mini max_cost USD');
  });

  it('client.models.list() pages through the list', async () => {
    const ids: string[] = [];
    for await (const model of t.client.models.list()) {
      expect(model.object).toBe('model');
      ids.push(model.id);
    }
    expect(ids).toEqual(defaults.models.map((m) => m.id));
    const page = await t.client.models.list();
    expect(page.data).toHaveLength(defaults.models.length);
    expect(page.hasNextPage()).toBe(false);
  });

  it('/models, /models/ and /v1/models/ give the same list', async () => {
    const { body: v1 } = await getModels('/v1/models');
    for (const path of ['/models', '/models/', '/v1/models/']) {
      const { res, body } = await getModels(path);
      expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(body).toEqual(v1);
    }
  });

  it('follows a scenario reload at once', async () => {
    const extra = await startTestNode({
      btc_usd: 50000,
      models: [{ id: 'llama-3-8b', sats_per_million_tokens: { prompt: 10, completion: 20 }, context_length: 8192, max_completion_tokens: 2048 }],
    });
    try {
      const page = await extra.client.models.list();
      expect(page.data.map((m) => m.id)).toEqual(['llama-3-8b']);
      const m = page.data[0] as unknown as RoutstrModel;
      expectClose(m.sats_pricing.max_cost, 6144 * 10e-6 + 2048 * 20e-6, 'llama max_cost');
      expectClose(m.pricing.prompt, (10e-6 * 50000) / 1e8, 'llama USD prompt');
      extra.node.loadScenario({ version: 1, models: [{ id: 'other-model' }] });
      const after = await extra.client.models.list();
      expect(after.data.map((x) => x.id)).toEqual(['other-model']);
    } finally {
      await extra.close();
    }
  });

  it('GET /v1/models/{id} is not a route on real nodes: 400 invalid_model, as they answer', async () => {
    const err = await t.client.models.retrieve('gpt-4o-mini').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    const res = await fetch(`${t.node.url}/models/gpt-4o-mini`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { error: { type: string; message: string }; request_id: string };
    expect(body.error.type).toBe('invalid_model');
    expect(body.error.message).toBe("Model 'unknown' not found");
    expect(body.request_id).toBe(res.headers.get('x-routstr-request-id'));
  });
});
