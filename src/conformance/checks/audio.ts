/**
 * Area "audio": POST /v1/audio/transcriptions, multipart, with a one-second WAV made here
 * (conformance-anchors.md §5 A1–A3; the SDK returns `text`/`srt`/`vtt` as strings by content type, §2.7).
 */
import { curlLine } from '../curl.ts';
import { httpRequest } from '../http.ts';
import { type ResponseKind, validateResponse } from '../schemas/validate.ts';
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { encodeWav } from '../../generate/audio/wav.ts';
import { Spend } from './billing.ts';
import {
  type Sent,
  strictOutcome,
  authHeaders,
  checkHeaders,
  noteUpstreamFailure,
  secretsOf,
  describeResult,
  maxCostMsats,
  excerpt,
  fail,
  isObject,
  parseJson,
  pass,
  readEnvelope,
  warn,
} from './util.ts';

const SAMPLE_RATE = 16_000;

/** One second of a quiet 440 Hz tone, 16-bit mono PCM in a WAV container. */
export function conformanceWav(): Buffer {
  const samples = new Int16Array(SAMPLE_RATE);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE));
  return encodeWav(samples, SAMPLE_RATE);
}

function model(ctx: CheckContext): string | undefined {
  return ctx.capabilities.transcription[0];
}

function skip(ctx: CheckContext): string | undefined {
  return model(ctx) ? undefined : 'the node lists no transcription model (capability not offered)';
}

function estimate(ctx: CheckContext): number {
  return Math.max(1, maxCostMsats(ctx, model(ctx)));
}

async function transcribe(ctx: CheckContext, responseFormat: string): Promise<Sent> {
  const url = `${ctx.origin}/v1/audio/transcriptions`;
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(conformanceWav())], { type: 'audio/wav' }), 'conformance.wav');
  form.append('model', model(ctx)!);
  form.append('response_format', responseFormat);
  const headers = { ...checkHeaders(ctx), ...authHeaders(ctx) };
  const res = await httpRequest({ url, method: 'POST', headers, body: form, timeouts: ctx.timeouts, signal: ctx.signal });
  if (res.ok) noteUpstreamFailure(ctx, res.status, res.headers, res.text);
  const curl = `${curlLine({ method: 'POST', url, headers }, secretsOf(ctx))} -F 'file=@conformance.wav;type=audio/wav' -F 'model=${model(ctx)}' -F 'response_format=${responseFormat}'`;
  return { res, curl };
}

/** A JSON transcription validated against the schema of its own response_format. */
async function jsonFormat(ctx: CheckContext, format: 'json' | 'verbose_json'): Promise<CheckOutcome> {
  const kind: ResponseKind = format === 'json' ? 'transcription.json' : 'transcription.verbose_json';
  const sent = await transcribe(ctx, format);
  const spend = new Spend(estimate(ctx));
  const expected =
    format === 'json'
      ? 'HTTP 200 application/json valid against the CreateTranscriptionResponseJson schema'
      : 'HTTP 200 application/json valid against the CreateTranscriptionResponseVerboseJson schema, with segments';
  if (!sent.res.ok || sent.res.status !== 200)
    return fail(expected, describeResult(sent.res), { curl: sent.curl, spentMsats: sent.res.ok ? 0 : estimate(ctx) });
  const parsed = parseJson(sent.res.text);
  if (!parsed.ok) return fail(expected, `a body that is not JSON: ${excerpt(sent.res.text, 120)}`, { curl: sent.curl, spentMsats: estimate(ctx) });
  spend.add(sent, parsed.value);
  const extra = { curl: sent.curl, spentMsats: spend.total };
  const lenient = validateResponse(kind, 'lenient', parsed.value);
  if (!lenient.valid) return fail(expected, `schema errors (SDK tier): ${lenient.errors.slice(0, 3).join('; ')}`, extra);
  // No timestamp_granularities asked for means ["segment"]: the segment timings are what verbose_json is asked for.
  if (format === 'verbose_json' && !(isObject(parsed.value) && Array.isArray(parsed.value.segments)))
    return fail(expected, `no segments (the default timestamp granularity), so no timings: ${excerpt(sent.res.text, 120)}`, extra);
  const type = sent.res.headers.get('content-type') ?? '';
  if (!/^application\/json/i.test(type)) return warn(expected, `a valid body with content-type ${type || 'none'}`, extra);
  const strict = validateResponse(kind, 'strict', parsed.value);
  const strictBad = strictOutcome(strict, 'a body valid against the strict spec schema', extra);
  if (strictBad) return strictBad;
  const text = isObject(parsed.value) ? parsed.value.text : undefined;
  return pass(expected, `valid; text ${JSON.stringify(excerpt(String(text), 60))}`, extra);
}

export const audioChecks: Check[] = [
  {
    id: 'audio.transcription',
    area: 'audio',
    severity: 'fail',
    title: 'A multipart WAV upload with response_format json gives {text}',
    paid: true,
    estimateMsats: estimate,
    skipWhen: skip,
    run: (ctx) => jsonFormat(ctx, 'json'),
  },
  {
    id: 'audio.verbose-json',
    area: 'audio',
    severity: 'fail',
    title: 'response_format verbose_json matches the verbose transcription schema',
    paid: true,
    estimateMsats: estimate,
    skipWhen: skip,
    run: (ctx) => jsonFormat(ctx, 'verbose_json'),
  },
  {
    id: 'audio.text',
    area: 'audio',
    severity: 'fail',
    title: 'response_format text gives a text/plain string',
    paid: true,
    estimateMsats: estimate,
    skipWhen: skip,
    async run(ctx) {
      const sent = await transcribe(ctx, 'text');
      const expected = 'HTTP 200 text/plain with the transcript as plain text (the SDK returns it as a string by content type)';
      if (!sent.res.ok || sent.res.status !== 200)
        return fail(expected, describeResult(sent.res), { curl: sent.curl, spentMsats: sent.res.ok ? 0 : estimate(ctx) });
      const spend = new Spend(estimate(ctx));
      spend.add(sent);
      const extra = { curl: sent.curl, spentMsats: spend.total };
      const type = sent.res.headers.get('content-type') ?? '';
      if (!/^text\/plain/i.test(type))
        return fail(expected, `content-type ${type || 'none'}: the SDK would not hand back a string (${excerpt(sent.res.text, 80)})`, extra);
      const parsed = parseJson(sent.res.text);
      if (parsed.ok && isObject(parsed.value)) return fail(expected, `a JSON object labelled text/plain: ${excerpt(sent.res.text, 80)}`, extra);
      if (sent.res.text.trim() === '') return warn(expected, 'an empty transcript', extra);
      return pass(expected, `text/plain ${JSON.stringify(excerpt(sent.res.text, 60))}`, extra);
    },
  },
  {
    id: 'audio.unsupported-format',
    area: 'audio',
    severity: 'fail',
    title: 'An unsupported response_format gives 400 with an error envelope',
    paid: true,
    estimateMsats: estimate,
    skipWhen: skip,
    async run(ctx) {
      const sent = await transcribe(ctx, 'routstr_conformance_bogus');
      const expected = 'HTTP 400 with a JSON error envelope';
      if (!sent.res.ok) return fail(expected, describeResult(sent.res), { curl: sent.curl, spentMsats: estimate(ctx) });
      const parsed = parseJson(sent.res.text);
      const env = readEnvelope(parsed.ok ? parsed.value : undefined);
      const extra = { curl: sent.curl, variant: env.variant, spentMsats: sent.res.status === 200 ? estimate(ctx) : 0 };
      const seen = `HTTP ${sent.res.status}, ${env.family === 'none' ? `no error envelope (${excerpt(sent.res.text, 80)})` : `type ${JSON.stringify(env.type)} code ${JSON.stringify(env.code)}`}`;
      if (sent.res.status !== 400 || env.family === 'none') return fail(expected, seen, extra);
      return pass(expected, `${seen}; ${env.variant}`, extra);
    },
  },
];
