/** Area "models": GET /v1/models, its shape, Routstr fields and sats pricing (routstr-node-api.md §1.2). */
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { fail, isObject, jsonBody, pass, send, warn } from './util.ts';

type Model = Record<string, unknown>;

async function getModels(ctx: CheckContext): Promise<{ body: Record<string, unknown>; models: Model[]; curl: string } | { outcome: CheckOutcome }> {
  const expected = 'HTTP 200 with {"data": [model, …]}';
  const sent = await send(ctx, '/v1/models');
  const parsed = jsonBody(sent, expected);
  if ('outcome' in parsed) return parsed;
  const status = sent.res.ok ? sent.res.status : 0;
  if (status !== 200) return { outcome: fail(expected, `HTTP ${status}`, { curl: sent.curl }) };
  if (!isObject(parsed.body) || !Array.isArray(parsed.body.data)) {
    return {
      outcome: fail(
        expected,
        `a body without a data array (keys: ${isObject(parsed.body) ? Object.keys(parsed.body).join(', ') || 'none' : typeof parsed.body})`,
        { curl: sent.curl },
      ),
    };
  }
  return { body: parsed.body, models: parsed.body.data as Model[], curl: sent.curl };
}

const PRICE_KEYS = ['prompt', 'completion', 'request', 'max_prompt_cost', 'max_completion_cost', 'max_cost'] as const;
const OTHER_PRICE_KEYS = ['image', 'web_search', 'internal_reasoning', 'input_cache_read', 'input_cache_write'] as const;

function label(m: unknown, i: number): string {
  return isObject(m) && typeof m.id === 'string' ? m.id : `data[${i}]`;
}

function pricingProblems(where: string, p: unknown): string[] {
  if (!isObject(p)) return [`${where} is ${p === null ? 'null' : typeof p}, not an object`];
  const out: string[] = [];
  for (const k of PRICE_KEYS) {
    if (typeof p[k] !== 'number' || !Number.isFinite(p[k]))
      out.push(`${where}.${k} ${p[k] === undefined ? 'missing' : `is ${JSON.stringify(p[k])}, not a number`}`);
    else if ((p[k] as number) < 0) out.push(`${where}.${k} is negative`);
  }
  for (const k of OTHER_PRICE_KEYS) {
    if (p[k] !== undefined && (typeof p[k] !== 'number' || !Number.isFinite(p[k]))) out.push(`${where}.${k} is ${JSON.stringify(p[k])}, not a number`);
  }
  return out;
}

function modelProblems(m: unknown, i: number): string[] {
  const id = label(m, i);
  if (!isObject(m)) return [`${id} is not an object`];
  const out: string[] = [];
  if (typeof m.id !== 'string' || m.id === '') out.push(`${id}: id missing`);
  if (typeof m.name !== 'string') out.push(`${id}: name is not a string`);
  if (typeof m.created !== 'number') out.push(`${id}: created is not a number`);
  if (typeof m.context_length !== 'number') out.push(`${id}: context_length is not a number`);
  if (!isObject(m.architecture)) out.push(`${id}: architecture is not an object`);
  else {
    for (const k of ['input_modalities', 'output_modalities'] as const) {
      const v = m.architecture[k];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) out.push(`${id}: architecture.${k} is not an array of strings`);
    }
  }
  out.push(...pricingProblems(`${id}: pricing`, m.pricing));
  if (m.sats_pricing !== null) out.push(...pricingProblems(`${id}: sats_pricing`, m.sats_pricing));
  return out;
}

/**
 * The expected `sats_pricing.max_cost` from routstr-node-api.md §1.2: with context length cl and
 * max completion tokens mct (cl > mct), (cl - mct) * prompt + mct * completion; with cl only,
 * cl * max(prompt, completion); never below the per-request minimum `request`.
 */
export function expectedMaxCost(m: Model): number | undefined {
  const sp = m.sats_pricing;
  if (!isObject(sp) || typeof sp.prompt !== 'number' || typeof sp.completion !== 'number') return undefined;
  const top = isObject(m.top_provider) ? m.top_provider : {};
  const cl = typeof top.context_length === 'number' ? top.context_length : typeof m.context_length === 'number' ? m.context_length : undefined;
  const mct = typeof top.max_completion_tokens === 'number' ? top.max_completion_tokens : undefined;
  if (cl === undefined || cl <= 0) return undefined;
  const cost = mct !== undefined && cl > mct ? (cl - mct) * sp.prompt + mct * sp.completion : cl * Math.max(sp.prompt, sp.completion);
  const floor = typeof sp.request === 'number' ? sp.request : 0;
  return Math.max(cost, floor);
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(0.001, Math.abs(expected) * 1e-3);
}

export const modelsChecks: Check[] = [
  {
    id: 'models.list',
    area: 'models',
    severity: 'fail',
    title: 'GET /v1/models returns {data: [...]} with string ids',
    paid: false,
    async run(ctx) {
      const got = await getModels(ctx);
      if ('outcome' in got) return got.outcome;
      const expected = 'a non-empty data array of objects with unique string ids';
      if (got.models.length === 0) return fail(expected, 'an empty data array', { curl: got.curl });
      const ids = got.models.map((m) => (isObject(m) ? m.id : undefined));
      const bad = ids.map((id, i) => (typeof id === 'string' && id !== '' ? undefined : `data[${i}].id is ${JSON.stringify(id)}`)).filter(Boolean);
      if (bad.length > 0) return fail(expected, bad.slice(0, 5).join('; '), { curl: got.curl });
      const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
      if (dupes.length > 0) return fail(expected, `duplicate ids: ${[...new Set(dupes)].join(', ')}`, { curl: got.curl });
      return pass(expected, `${got.models.length} models`, { curl: got.curl });
    },
  },
  {
    id: 'models.routstr-fields',
    area: 'models',
    severity: 'fail',
    title: 'Every model has the Routstr fields and numeric pricing and sats_pricing',
    paid: false,
    routstrOnly: true,
    async run(ctx) {
      const got = await getModels(ctx);
      if ('outcome' in got) return got.outcome;
      const expected = 'id, name, created, context_length, architecture{input_modalities, output_modalities}, numeric pricing and sats_pricing (or null)';
      const bad = got.models.flatMap((m, i) => modelProblems(m, i));
      if (bad.length > 0) return fail(expected, `${bad.length} problem(s): ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; …' : ''}`, { curl: got.curl });
      return pass(expected, `all ${got.models.length} models complete`, { curl: got.curl });
    },
  },
  {
    id: 'models.max-cost',
    area: 'models',
    severity: 'fail',
    title: 'sats_pricing.max_cost follows the Routstr formula',
    paid: false,
    routstrOnly: true,
    async run(ctx) {
      const got = await getModels(ctx);
      if ('outcome' in got) return got.outcome;
      const expected =
        'sats_pricing.max_cost = (context_length - max_completion_tokens) * prompt + max_completion_tokens * completion (>= request), within rounding';
      const bad: string[] = [];
      let checked = 0;
      for (const [i, m] of got.models.entries()) {
        if (!isObject(m) || !isObject(m.sats_pricing)) continue;
        const want = expectedMaxCost(m);
        const have = m.sats_pricing.max_cost;
        if (want === undefined) continue;
        checked++;
        if (typeof have !== 'number' || !close(have, want))
          bad.push(`${label(m, i)}: max_cost ${JSON.stringify(have)}, formula gives ${Number(want.toFixed(6))}`);
      }
      if (bad.length > 0) return fail(expected, bad.slice(0, 5).join('; '), { curl: got.curl });
      if (checked === 0) return { status: 'skip', reason: 'no model has sats_pricing and a context length to check max_cost against', curl: got.curl };
      return pass(expected, `${checked} models consistent`, { curl: got.curl });
    },
  },
  {
    id: 'models.openai-fields',
    area: 'models',
    severity: 'warn',
    title: 'OpenAI list fields: object "list", each model object "model" and owned_by',
    paid: false,
    async run(ctx) {
      const got = await getModels(ctx);
      if ('outcome' in got) return got.outcome;
      const expected = 'object: "list"; each model object: "model", owned_by: string (OpenAI spec)';
      const missing: string[] = [];
      if (got.body.object !== 'list') missing.push(`object is ${JSON.stringify(got.body.object)}`);
      const noObject = got.models.filter((m) => !isObject(m) || m.object !== 'model').length;
      const noOwner = got.models.filter((m) => !isObject(m) || typeof m.owned_by !== 'string').length;
      if (noObject > 0) missing.push(`${noObject} model(s) without object "model"`);
      if (noOwner > 0) missing.push(`${noOwner} model(s) without owned_by`);
      if (missing.length > 0) return warn(expected, `${missing.join('; ')} (real Routstr nodes omit these)`, { curl: got.curl });
      return pass(expected, 'all present', { curl: got.curl });
    },
  },
];
