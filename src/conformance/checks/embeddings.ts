/**
 * Area "embeddings" (conformance-anchors.md §5 E1–E4). The SDK asks for `encoding_format: "base64"`
 * whenever the caller names none and decodes little-endian float32 itself (§2.7), so a node that
 * mis-encodes base64 breaks the SDK's default path even though the caller never asked for base64.
 */
import { validateResponse } from '../schemas/validate.ts';
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { Spend } from './billing.ts';
import { type Sent, strictOutcome, authHeaders, describeResult, tokenEstimateMsats, excerpt, fail, isObject, jsonBody, pass, send, warn } from './util.ts';

const INPUT = 'routstr conformance check';
const TOKENS_PER_INPUT = 16;

function model(ctx: CheckContext): string | undefined {
  return ctx.capabilities.embedding[0];
}

function skip(ctx: CheckContext): string | undefined {
  return model(ctx) ? undefined : 'the node lists no embedding model (capability not offered)';
}

function estimate(requests: number, inputs = 1) {
  return (ctx: CheckContext) => requests * Math.max(1, tokenEstimateMsats(ctx, model(ctx), TOKENS_PER_INPUT * inputs, 0));
}

async function embed(ctx: CheckContext, body: Record<string, unknown>): Promise<Sent> {
  return send(ctx, '/v1/embeddings', { body: JSON.stringify({ model: model(ctx), ...body }), headers: authHeaders(ctx) });
}

/** A 200 JSON body, or the failure outcome. */
function ok200(sent: Sent, expected: string): { body: Record<string, unknown> } | { outcome: CheckOutcome } {
  const parsed = jsonBody(sent, expected);
  if ('outcome' in parsed) return parsed;
  if (!sent.res.ok || sent.res.status !== 200 || !isObject(parsed.body)) return { outcome: fail(expected, describeResult(sent.res), { curl: sent.curl }) };
  return { body: parsed.body };
}

function vectors(body: Record<string, unknown>): unknown[] {
  return Array.isArray(body.data) ? body.data.map((d) => (isObject(d) ? d.embedding : undefined)) : [];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes a base64 string of little-endian float32s; a string saying why when it is not one. */
export function decodeFloat32Base64(s: unknown): Float32Array | string {
  if (typeof s !== 'string') return `embedding is ${Array.isArray(s) ? 'an array' : typeof s}, not a base64 string`;
  if (!BASE64.test(s) || s.length % 4 !== 0) return `embedding ${JSON.stringify(excerpt(s, 40))} is not valid base64`;
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % 4 !== 0) return `decoded length ${bytes.length} bytes is not a multiple of 4 (the SDK throws RangeError)`;
  if (bytes.length === 0) return 'embedding decodes to 0 bytes';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export const embeddingsChecks: Check[] = [
  {
    id: 'embeddings.schema',
    area: 'embeddings',
    severity: 'fail',
    title: 'POST /v1/embeddings (float) matches the CreateEmbeddingResponse schema',
    paid: true,
    estimateMsats: estimate(1),
    skipWhen: skip,
    async run(ctx) {
      const spend = new Spend(estimate(1)(ctx));
      const sent = await embed(ctx, { input: INPUT, encoding_format: 'float' });
      const expected = 'HTTP 200 with a valid embeddings list';
      const got = ok200(sent, expected);
      if ('outcome' in got) return { ...got.outcome, spentMsats: spend.total || estimate(1)(ctx) };
      spend.add(sent, got.body);
      const extra = { curl: sent.curl, spentMsats: spend.total };
      const lenient = validateResponse('embeddings', 'lenient', got.body);
      if (!lenient.valid) return fail(expected, `schema errors (SDK tier): ${lenient.errors.slice(0, 3).join('; ')}`, extra);
      const strict = validateResponse('embeddings', 'strict', got.body);
      const strictBad = strictOutcome(strict, 'a body valid against the strict spec schema', extra);
      if (strictBad) return strictBad;
      const v = vectors(got.body)[0];
      return pass(expected, `valid, ${Array.isArray(v) ? v.length : '?'} dimensions`, extra);
    },
  },
  {
    id: 'embeddings.base64',
    area: 'embeddings',
    severity: 'fail',
    title: 'encoding_format "base64" (the SDK default) decodes to the float vector',
    paid: true,
    estimateMsats: estimate(2),
    skipWhen: skip,
    async run(ctx) {
      const spend = new Spend(estimate(1)(ctx));
      const expected = 'base64 of little-endian float32s (byte length divisible by 4) equal to the float vector within 1e-6';
      const b64Sent = await embed(ctx, { input: INPUT, encoding_format: 'base64' });
      const b64 = ok200(b64Sent, expected);
      if ('outcome' in b64) return { ...b64.outcome, spentMsats: estimate(1)(ctx) };
      spend.add(b64Sent, b64.body);
      const extra = () => ({ curl: b64Sent.curl, spentMsats: spend.total });
      const schema = validateResponse('embeddings.base64', 'lenient', b64.body);
      if (!schema.valid) return fail(expected, `schema errors: ${schema.errors.slice(0, 3).join('; ')}`, extra());
      const decoded = decodeFloat32Base64(vectors(b64.body)[0]);
      if (typeof decoded === 'string') return fail(expected, decoded, extra());
      const floatSent = await embed(ctx, { input: INPUT, encoding_format: 'float' });
      const floats = ok200(floatSent, 'HTTP 200 for the same input with encoding_format "float"');
      if ('outcome' in floats) return { ...floats.outcome, spentMsats: spend.total + estimate(1)(ctx) };
      spend.add(floatSent, floats.body);
      const vector = vectors(floats.body)[0];
      if (!Array.isArray(vector) || vector.some((x) => typeof x !== 'number'))
        return fail(expected, `the float answer has no number array (${typeof vector})`, { ...extra(), curl: floatSent.curl });
      if (vector.length !== decoded.length) return fail(expected, `base64 decodes to ${decoded.length} floats, the float answer has ${vector.length}`, extra());
      let worst = 0;
      for (let i = 0; i < vector.length; i++) worst = Math.max(worst, Math.abs(decoded[i]! - (vector[i] as number)));
      const actual = `${decoded.length} floats, largest difference ${worst.toExponential(2)}`;
      if (worst <= 1e-6) return pass(expected, actual, extra());
      // Small differences are the upstream's own nondeterminism rather than an encoding bug.
      if (worst <= 1e-3) return warn(expected, `${actual} (close: nondeterministic upstream?)`, extra());
      return fail(expected, actual, extra());
    },
  },
  {
    id: 'embeddings.batch',
    area: 'embeddings',
    severity: 'fail',
    title: 'Two inputs give data[0] and data[1] with index 0, 1 and equal dimensions',
    paid: true,
    estimateMsats: estimate(1, 2),
    skipWhen: skip,
    async run(ctx) {
      const spend = new Spend(estimate(1, 2)(ctx));
      const sent = await embed(ctx, { input: ['first conformance input', 'second conformance input'], encoding_format: 'float' });
      const expected = 'data of 2 embeddings, data[i].index == i, equal dimensions';
      const got = ok200(sent, expected);
      if ('outcome' in got) return { ...got.outcome, spentMsats: estimate(1, 2)(ctx) };
      spend.add(sent, got.body);
      const extra = { curl: sent.curl, spentMsats: spend.total };
      const data = Array.isArray(got.body.data) ? got.body.data : [];
      if (data.length !== 2) return fail(expected, `${data.length} embeddings`, extra);
      const indices = data.map((d) => (isObject(d) ? d.index : undefined));
      if (indices[0] !== 0 || indices[1] !== 1) return fail(expected, `indices ${JSON.stringify(indices)}`, extra);
      const lengths = data.map((d) => (isObject(d) && Array.isArray(d.embedding) ? d.embedding.length : -1));
      if (lengths[0]! <= 0 || lengths[0] !== lengths[1]) return fail(expected, `dimensions ${lengths.join(' and ')}`, extra);
      return pass(expected, `indices 0, 1; ${lengths[0]} dimensions each`, extra);
    },
  },
  {
    id: 'embeddings.dimensions',
    area: 'embeddings',
    severity: 'fail',
    title: 'dimensions: 256 is honoured (or refused with an error)',
    paid: true,
    estimateMsats: estimate(1),
    skipWhen: skip,
    async run(ctx) {
      const spend = new Spend(estimate(1)(ctx));
      const sent = await embed(ctx, { input: INPUT, encoding_format: 'float', dimensions: 256 });
      const expected = 'a 256-dimension vector (or a 400/422 refusal when the model has fixed dimensions)';
      if (sent.res.ok && (sent.res.status === 400 || sent.res.status === 422)) {
        return {
          status: 'info',
          reason: `the node refused dimensions 256 for ${model(ctx)} (HTTP ${sent.res.status}): capability not offered`,
          curl: sent.curl,
          spentMsats: 0,
        };
      }
      const got = ok200(sent, expected);
      if ('outcome' in got) return { ...got.outcome, spentMsats: estimate(1)(ctx) };
      spend.add(sent, got.body);
      const extra = { curl: sent.curl, spentMsats: spend.total };
      const v = vectors(got.body)[0];
      if (!Array.isArray(v)) return fail(expected, `no vector (${typeof v})`, extra);
      if (v.length !== 256) return fail(expected, `${v.length} dimensions: the request's dimensions was silently ignored`, extra);
      return pass(expected, '256 dimensions', extra);
    },
  },
];
