/**
 * Area "errors": the free error paths of a Routstr node (routstr-node-api.md §3). Either error
 * envelope family is accepted (real nodes differ by version); the one the node uses is reported.
 */
import { mintToken } from '../../payment/cashu.ts';
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { type Sent, fail, isObject, jsonBody, knownModel, pass, readEnvelope, send } from './util.ts';

/** A model id no node serves. */
export const UNKNOWN_MODEL = 'routstr-conformance-no-such-model';
/** Looks like an API key but belongs to no account. */
const INVALID_KEY = 'sk-routstr-conformance-invalid-0000000000';

function chatBody(model: string): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
}

/** Checks the status and (optionally) that the envelope's type or code is one of `codes`. */
function expectError(sent: Sent, status: number, codes: readonly string[] | undefined, what: string): CheckOutcome {
  const expected = `HTTP ${status} with a JSON error envelope${codes ? ` carrying ${codes.join(' or ')}` : ''} (${what})`;
  const parsed = jsonBody(sent, expected);
  if ('outcome' in parsed) return parsed.outcome;
  const res = sent.res;
  const got = res.ok ? res.status : 0;
  const env = readEnvelope(parsed.body);
  const seen = `HTTP ${got}, ${env.family === 'none' ? 'no error envelope' : `type ${JSON.stringify(env.type)} code ${JSON.stringify(env.code)}`}${env.message ? ` "${env.message}"` : ''}`;
  const extra = { curl: sent.curl, variant: env.variant };
  if (got !== status) return fail(expected, seen, extra);
  if (env.family === 'none') return fail(expected, `HTTP ${got} with body ${JSON.stringify(parsed.body).slice(0, 160)}`, extra);
  if (codes && !codes.some((c) => c === env.type || c === String(env.code))) return fail(expected, seen, extra);
  return pass(expected, `${seen}; ${env.variant}`, extra);
}

function maxCost(ctx: CheckContext, id: string): number {
  const m = ctx.capabilities.models.get(id);
  const sp = m && isObject(m.sats_pricing) ? m.sats_pricing : undefined;
  return sp && typeof sp.max_cost === 'number' ? sp.max_cost : 0;
}

/** The chat model with the highest max_cost, so a 1-sat token is surely too small for it. */
function dearestModel(ctx: CheckContext): string | undefined {
  const ids = ctx.capabilities.chat.length > 0 ? ctx.capabilities.chat : [knownModel(ctx)];
  return [...ids].sort((a, b) => maxCost(ctx, b) - maxCost(ctx, a))[0];
}

function firstMint(ctx: CheckContext): string | undefined {
  const mints = ctx.info?.mints;
  return Array.isArray(mints) ? mints.find((m): m is string => typeof m === 'string' && /^https?:\/\//.test(m)) : undefined;
}

export const errorsChecks: Check[] = [
  {
    id: 'errors.unknown-model',
    area: 'errors',
    severity: 'fail',
    title: 'Unknown model on chat completions gives 400 invalid_model',
    paid: false,
    async run(ctx) {
      const sent = await send(ctx, '/v1/chat/completions', { body: chatBody(UNKNOWN_MODEL) });
      return expectError(sent, 400, ['invalid_model'], 'real nodes check the model before credentials');
    },
  },
  {
    id: 'errors.missing-credentials',
    area: 'errors',
    severity: 'fail',
    title: 'Chat completions without credentials gives 401',
    paid: false,
    async run(ctx) {
      const sent = await send(ctx, '/v1/chat/completions', { body: chatBody(knownModel(ctx)) });
      return expectError(sent, 401, undefined, 'no Authorization and no X-Cashu header');
    },
  },
  {
    id: 'errors.invalid-key',
    area: 'errors',
    severity: 'fail',
    title: 'An unknown sk- key gives 401 invalid_api_key',
    paid: false,
    async run(ctx) {
      const sent = await send(ctx, '/v1/chat/completions', { body: chatBody(knownModel(ctx)), headers: { authorization: `Bearer ${INVALID_KEY}` } });
      return expectError(sent, 401, ['invalid_api_key'], 'an API key of no account');
    },
  },
  {
    id: 'errors.malformed-json',
    area: 'errors',
    severity: 'fail',
    title: 'A request body that is not JSON gives 400',
    paid: false,
    async run(ctx) {
      const sent = await send(ctx, '/v1/chat/completions', { body: '{"model": "', headers: { authorization: `Bearer ${INVALID_KEY}` } });
      return expectError(sent, 400, undefined, 'body "{\\"model\\": \\""');
    },
  },
  {
    id: 'errors.unknown-path',
    area: 'errors',
    severity: 'fail',
    title: 'GET on an unknown path gives 404 with a JSON body',
    paid: false,
    async run(ctx) {
      const sent = await send(ctx, '/v1/routstr-conformance-no-such-path');
      const expected = 'HTTP 404 with a JSON body';
      const parsed = jsonBody(sent, expected);
      if ('outcome' in parsed) return parsed.outcome;
      const got = sent.res.ok ? sent.res.status : 0;
      const env = readEnvelope(parsed.body);
      if (got !== 404) return fail(expected, `HTTP ${got}`, { curl: sent.curl, variant: env.variant });
      if (!isObject(parsed.body)) return fail(expected, `HTTP 404 with JSON ${typeof parsed.body}`, { curl: sent.curl });
      return pass(expected, `HTTP 404, ${env.variant}`, { curl: sent.curl, variant: env.variant });
    },
  },
  {
    id: 'errors.x-cashu-too-small',
    area: 'errors',
    severity: 'fail',
    title: 'X-Cashu with a 1-sat token gives 402 minimum_balance_required',
    paid: false,
    routstrOnly: true,
    skipWhen: (ctx) => {
      if (!firstMint(ctx)) return 'GET /v1/info lists no mint to make a token for';
      const model = dearestModel(ctx);
      if (model && ctx.capabilities.models.has(model) && maxCost(ctx, model) <= 1)
        return `every chat model costs at most 1 sat (${model}: max_cost ${maxCost(ctx, model)}), so no token is too small`;
      return undefined;
    },
    async run(ctx) {
      const mint = firstMint(ctx)!;
      const model = dearestModel(ctx) ?? knownModel(ctx);
      // A token of the node's own mint for 1 sat, too small for any model; a real node refuses it before redeeming.
      const token = mintToken({ amount: 1, unit: 'sat', mint, format: 'B' });
      const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }] });
      const sent = await send(ctx, '/v1/chat/completions', { body, headers: { 'x-cashu': token } });
      return expectError(sent, 402, ['minimum_balance_required'], `X-Cashu token of 1 sat from ${mint} for ${model} (max_cost ${maxCost(ctx, model)} sats)`);
    },
  },
];
