/** Area "images": POST /v1/images/generations (conformance-anchors.md §5 I1–I3). */
import { validateResponse } from '../schemas/validate.ts';
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { Spend } from './billing.ts';
import { fetchImageUrl } from './image-url.ts';
import { type Sent, strictOutcome, authHeaders, describeResult, maxCostMsats, fail, isObject, jsonBody, pass, send, warn } from './util.ts';

const PROMPT = 'a small red circle on a white background';

/** DALL-E models take response_format (url by default); gpt-image models answer base64 only. */
function formatModel(ctx: CheckContext): string | undefined {
  return ctx.capabilities.image.find((m) => /dall-e/i.test(m)) ?? ctx.capabilities.image[0];
}

/** dall-e-3 takes n = 1 only; prefer another model for the n check. */
function nModel(ctx: CheckContext): string | undefined {
  return ctx.capabilities.image.find((m) => !/dall-e-3/i.test(m)) ?? ctx.capabilities.image[0];
}

function skip(ctx: CheckContext): string | undefined {
  return ctx.capabilities.image.length > 0 ? undefined : 'the node lists no image model (capability not offered)';
}

function estimate(requests: number, pick: (ctx: CheckContext) => string | undefined) {
  return (ctx: CheckContext) => requests * Math.max(1, maxCostMsats(ctx, pick(ctx)));
}

async function generate(ctx: CheckContext, body: Record<string, unknown>): Promise<Sent> {
  return send(ctx, '/v1/images/generations', { body: JSON.stringify({ prompt: PROMPT, ...body }), headers: authHeaders(ctx) });
}

function ok200(sent: Sent, expected: string): { body: Record<string, unknown> } | { outcome: CheckOutcome } {
  const parsed = jsonBody(sent, expected);
  if ('outcome' in parsed) return parsed;
  if (!sent.res.ok || sent.res.status !== 200 || !isObject(parsed.body)) return { outcome: fail(expected, describeResult(sent.res), { curl: sent.curl }) };
  return { body: parsed.body };
}

function items(body: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(body.data) ? body.data.filter(isObject) : [];
}

/** The image format from its first bytes, or undefined. */
export function imageMagic(bytes: Uint8Array): 'png' | 'jpeg' | 'webp' | undefined {
  const b = (i: number) => bytes[i];
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47 && b(4) === 0x0d && b(5) === 0x0a && b(6) === 0x1a && b(7) === 0x0a) return 'png';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

function checkB64(item: Record<string, unknown>, i: number): string | undefined {
  if (typeof item.b64_json !== 'string') return `data[${i}] has no b64_json (keys: ${Object.keys(item).join(', ')})`;
  if (item.url !== undefined && item.url !== null) return `data[${i}] has both b64_json and url`;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(item.b64_json)) return `data[${i}].b64_json is not base64`;
  const kind = imageMagic(Buffer.from(item.b64_json.slice(0, 64), 'base64'));
  return kind ? undefined : `data[${i}].b64_json does not decode to PNG, JPEG or WebP bytes`;
}

export const imagesChecks: Check[] = [
  {
    id: 'images.schema',
    area: 'images',
    severity: 'fail',
    title: 'POST /v1/images/generations matches the ImagesResponse schema',
    paid: true,
    estimateMsats: estimate(1, formatModel),
    skipWhen: skip,
    async run(ctx) {
      const model = formatModel(ctx)!;
      const spend = new Spend(estimate(1, formatModel)(ctx));
      const sent = await generate(ctx, { model, n: 1 });
      const expected = 'HTTP 200 with a valid images response';
      const got = ok200(sent, expected);
      if ('outcome' in got) return { ...got.outcome, spentMsats: estimate(1, formatModel)(ctx) };
      spend.add(sent, got.body);
      const extra = { curl: sent.curl, spentMsats: spend.total };
      const lenient = validateResponse('images', 'lenient', got.body);
      if (!lenient.valid) return fail(expected, `schema errors (SDK tier): ${lenient.errors.slice(0, 3).join('; ')}`, extra);
      const strict = validateResponse('images', 'strict', got.body);
      const strictBad = strictOutcome(strict, 'a body valid against the strict spec schema', extra);
      if (strictBad) return strictBad;
      return pass(expected, `valid, ${items(got.body).length} image(s) from ${model}`, extra);
    },
  },
  {
    id: 'images.format',
    area: 'images',
    severity: 'fail',
    title: 'response_format b64_json decodes to image bytes; url is fetchable as image/*',
    paid: true,
    estimateMsats: estimate(2, formatModel),
    skipWhen: skip,
    async run(ctx) {
      const model = formatModel(ctx)!;
      const one = estimate(1, formatModel)(ctx);
      const spend = new Spend(one);
      const expected = 'b64_json: base64 PNG/JPEG/WebP and no url; url: an http(s) URL answering 200 image/*';
      const b64Sent = await generate(ctx, { model, n: 1, response_format: 'b64_json' });
      const b64 = ok200(b64Sent, expected);
      if ('outcome' in b64) return { ...b64.outcome, spentMsats: one };
      spend.add(b64Sent, b64.body);
      const b64Items = items(b64.body);
      if (b64Items.length === 0) return fail(expected, 'b64_json: no images in data', { curl: b64Sent.curl, spentMsats: spend.total });
      for (const [i, item] of b64Items.entries()) {
        const problem = checkB64(item, i);
        if (problem) return fail(expected, `b64_json: ${problem}`, { curl: b64Sent.curl, spentMsats: spend.total });
      }
      const urlSent = await generate(ctx, { model, n: 1, response_format: 'url' });
      if (urlSent.res.ok && urlSent.res.status === 400) {
        return {
          status: 'pass',
          reason: `b64_json decodes to image bytes; ${model} refuses response_format "url" with HTTP 400 (base64-only model)`,
          curl: urlSent.curl,
          spentMsats: spend.total,
        };
      }
      const urlGot = ok200(urlSent, expected);
      if ('outcome' in urlGot) return { ...urlGot.outcome, spentMsats: spend.total + one };
      spend.add(urlSent, urlGot.body);
      const extra = { curl: urlSent.curl, spentMsats: spend.total };
      const first = items(urlGot.body)[0];
      if (!first || typeof first.url !== 'string')
        return fail(expected, `url: data[0] has no url (keys: ${first ? Object.keys(first).join(', ') : 'no item'})`, extra);
      if (first.b64_json !== undefined && first.b64_json !== null) return fail(expected, 'url: data[0] has both url and b64_json', extra);
      const target = URL.canParse(first.url) ? first.url : URL.canParse(first.url, ctx.origin) ? new URL(first.url, ctx.origin).toString() : undefined;
      if (!target || !/^https?:/.test(target)) return fail(expected, `url: ${JSON.stringify(first.url.slice(0, 80))} is not an http(s) URL`, extra);
      const image = await fetchImageUrl(ctx, target);
      if (image.kind === 'foreign') {
        // Images on a CDN are fine: the URL is noted, not fetched (it could point at anything the runner can reach).
        const where = image.via ? `the node redirects ${image.via} to ${image.url}, another origin` : `${image.url} is on another origin than the node`;
        return {
          status: 'info',
          reason: `b64_json decodes to image bytes; url not fetched: ${where} (pass --allow-foreign-image-urls to fetch it)`,
          ...extra,
        };
      }
      const fetched = image.res;
      if (!fetched.ok) return fail(expected, `url: fetching it failed: ${fetched.message}`, extra);
      const type = fetched.headers.get('content-type') ?? '';
      if (fetched.status !== 200 || !/^image\//i.test(type))
        return fail(expected, `url: fetching it gave HTTP ${fetched.status} (${type || 'no content-type'})`, extra);
      return pass(expected, `b64_json decodes to image bytes; url answers 200 ${type} (${fetched.bytes} bytes)`, extra);
    },
  },
  {
    id: 'images.n',
    area: 'images',
    severity: 'fail',
    title: 'n: 2 gives two images',
    paid: true,
    estimateMsats: (ctx) => 2 * estimate(1, nModel)(ctx),
    skipWhen: skip,
    async run(ctx) {
      const model = nModel(ctx)!;
      const spend = new Spend(2 * estimate(1, nModel)(ctx));
      const sent = await generate(ctx, { model, n: 2 });
      const expected = 'data with 2 images';
      if (sent.res.ok && sent.res.status === 400) {
        return { status: 'info', reason: `${model} refused n = 2 (HTTP 400): the node offers one image per request for it`, curl: sent.curl, spentMsats: 0 };
      }
      const got = ok200(sent, expected);
      if ('outcome' in got) return { ...got.outcome, spentMsats: spend.total || 2 * estimate(1, nModel)(ctx) };
      spend.add(sent, got.body);
      const n = items(got.body).length;
      const extra = { curl: sent.curl, spentMsats: spend.total };
      return n === 2 ? pass(expected, `2 images from ${model}`, extra) : fail(expected, `${n} image(s) from ${model}`, extra);
    },
  },
];
