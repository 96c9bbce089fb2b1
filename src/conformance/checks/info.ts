/** Area "info": GET /v1/info, the node's self-description (routstr-node-api.md §1.1). */
import type { Check, CheckContext, CheckOutcome } from '../types.ts';
import { fail, isObject, jsonBody, pass, send, warn } from './util.ts';

const EXPECTED = 'HTTP 200 with a JSON object';

async function getInfo(ctx: CheckContext): Promise<{ info: Record<string, unknown>; curl: string } | { outcome: CheckOutcome }> {
  const sent = await send(ctx, '/v1/info');
  if (sent.res.ok && sent.res.status === 404) {
    // Not a broken Routstr node but another kind of node: the runner skips the Routstr-only checks.
    const reason = 'GET /v1/info answers 404: a plain OpenAI-compatible node, not a Routstr node (Routstr-only checks are skipped)';
    return { outcome: { status: 'info', reason, curl: sent.curl, variant: 'node kind: OpenAI-compatible, not Routstr' } };
  }
  const parsed = jsonBody(sent, EXPECTED);
  if ('outcome' in parsed) return parsed;
  if (!sent.res.ok || sent.res.status !== 200 || !isObject(parsed.body)) {
    return {
      outcome: fail(EXPECTED, `HTTP ${sent.res.ok ? sent.res.status : '?'} with ${Array.isArray(parsed.body) ? 'an array' : typeof parsed.body}`, {
        curl: sent.curl,
      }),
    };
  }
  return { info: parsed.body, curl: sent.curl };
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function problems(info: Record<string, unknown>, spec: Record<string, 'string' | 'number' | 'string[]'>): string[] {
  const out: string[] = [];
  for (const [field, type] of Object.entries(spec)) {
    const v = info[field];
    if (v === undefined) out.push(`${field} missing`);
    else if (type === 'string[]') {
      if (!Array.isArray(v) || v.some((m) => typeof m !== 'string')) out.push(`${field} is ${typeOf(v)}, not an array of strings`);
    } else if (typeof v !== type) out.push(`${field} is ${typeOf(v)}, not ${type}`);
  }
  return out;
}

export const infoChecks: Check[] = [
  {
    id: 'info.fields',
    area: 'info',
    severity: 'fail',
    title: 'GET /v1/info has name, version and mints',
    paid: false,
    async run(ctx) {
      const got = await getInfo(ctx);
      if ('outcome' in got) return got.outcome;
      const expected = 'name: string, version: string, mints: string[]';
      const bad = problems(got.info, { name: 'string', version: 'string', mints: 'string[]' });
      if (bad.length > 0) return fail(expected, bad.join('; '), { curl: got.curl });
      return pass(expected, `name "${String(got.info.name)}", version ${String(got.info.version)}, ${(got.info.mints as string[]).length} mint(s)`, {
        curl: got.curl,
        variant: `node version ${String(got.info.version)}`,
      });
    },
  },
  {
    id: 'info.optional-fields',
    area: 'info',
    severity: 'warn',
    title: 'GET /v1/info has the other Routstr fields with the right types',
    paid: false,
    routstrOnly: true,
    async run(ctx) {
      const got = await getInfo(ctx);
      if ('outcome' in got) return got.outcome;
      const expected = 'description, npub, http_url, onion_url: string; child_key_cost_msats: number';
      const bad = problems(got.info, { description: 'string', npub: 'string', http_url: 'string', onion_url: 'string', child_key_cost_msats: 'number' });
      if (bad.length > 0) return warn(expected, bad.join('; '), { curl: got.curl });
      return pass(expected, 'all present with those types', { curl: got.curl });
    },
  },
];
