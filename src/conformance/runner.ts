/**
 * The conformance runner: discovers what a node offers, picks the checks (areas, capabilities,
 * key, sats budget) and runs them a few at a time, each under its own abort and total timeout and
 * all under one deadline for the whole run, so a hanging or garbled node fails checks instead of
 * hanging the run, however many checks it stalls.
 */
import { VERSION as SDK_VERSION } from 'openai/version';
import { ALL_CHECKS } from './checks/index.ts';
import { isObject, parseJson, secretsOf } from './checks/util.ts';
import { Budget } from './budget.ts';
import { type HttpFailure, type Timeouts, httpRequest, isUnreachable } from './http.ts';
import { Pool } from './pool.ts';
import { redact, redactDeep } from './redact.ts';
import {
  AREAS,
  type Area,
  type RunSession,
  type Observed,
  type Capabilities,
  type Check,
  type CheckContext,
  type CheckOutcome,
  type CheckResult,
  type Report,
  type Status,
} from './types.ts';

export interface RunOptions {
  /** Node URL, with or without `/v1`. */
  baseUrl: string;
  /** API key (sk-…) or Cashu token; without it paid checks are skipped. */
  key?: string;
  /** Areas to run (default all). */
  only?: readonly string[];
  /** Areas to leave out. */
  skip?: readonly string[];
  /** Most sats the paid checks may spend together. Default 0 (no paid checks). */
  maxSats?: number;
  /** Model for chat checks (default: the cheapest chat model). */
  model?: string;
  /** Total time per check in ms (requests inside use it as their total too). Default 60 000. */
  timeoutMs?: number;
  /**
   * The whole run in ms, discovery included (checks still running are cut, checks not yet started
   * are reported as not run). Default 60 000. With a Cashu key, 5 s of it are kept for the refund.
   */
  deadline?: number;
  /** Checks running at once (default PARALLEL_CHECKS); 1 runs them one by one, e.g. for a node that rate-limits hard. */
  parallel?: number;
  /** Finer request timeouts; each defaults to min(15 000, timeoutMs), total to timeoutMs. */
  timeouts?: Partial<Timeouts>;
  /** The checks to choose from (default all). */
  checks?: readonly Check[];
  /** images.format: fetch image URLs on other origins than the node's too (default: note them, fetch nothing). */
  allowForeignImageUrls?: boolean;
  /** Called after each check, in the checks' stable order (live progress; a finished check waits for earlier ones). */
  onResult?: (result: CheckResult) => void;
  /**
   * With a Cashu --key the x-cashu checks spend it and the run goes on with their change; what is
   * left at the end is refunded as a new token and handed to this callback (the report only says
   * that it happened: tokens are money and never appear in it). Without the callback the remainder
   * stays in the node account of the last change token.
   */
  onRefundToken?: (token: string) => void;
}

/** A bad option (unknown area, unparsable URL): the CLI exits 2. */
export class ConformanceConfigError extends Error {
  override name = 'ConformanceConfigError';
}

/** Splits a node URL into its origin (no /v1) and the SDK base URL (with /v1). */
export function normalizeBaseUrl(input: string): { origin: string; baseURL: string } {
  if (!URL.canParse(input)) throw new ConformanceConfigError(`not a URL: ${input}`);
  const url = new URL(input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConformanceConfigError(`expected an http(s) URL, got ${url.protocol}`);
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/v1')) path = path.slice(0, -3);
  const origin = `${url.protocol}//${url.host}${path}`;
  return { origin, baseURL: `${origin}/v1` };
}

function areaList(values: readonly string[] | undefined, flag: string): Set<Area> | undefined {
  if (!values) return undefined;
  const out = new Set<Area>();
  for (const raw of values.flatMap((v) => v.split(','))) {
    const v = raw.trim();
    if (v === '') continue;
    if (!(AREAS as readonly string[]).includes(v)) throw new ConformanceConfigError(`${flag}: unknown area "${v}" (areas: ${AREAS.join(', ')})`);
    out.add(v as Area);
  }
  return out;
}

/** Kind of a Routstr model from its architecture, or from its id when the architecture says nothing. */
export function modelKind(model: Record<string, unknown>): keyof Omit<Capabilities, 'models' | 'routstr'> {
  const id = String(model.id ?? '').toLowerCase();
  const arch = isObject(model.architecture) ? model.architecture : {};
  const out = Array.isArray(arch.output_modalities) ? arch.output_modalities.map(String) : [];
  const input = Array.isArray(arch.input_modalities) ? arch.input_modalities.map(String) : [];
  if (/embed/.test(id) || out.includes('embeddings') || out.includes('embedding')) return 'embedding';
  if (/whisper|transcri/.test(id) || (input.includes('audio') && out.length === 1 && out[0] === 'text' && /audio|speech/.test(id))) return 'transcription';
  if (/\btts\b|tts-|speech/.test(id) || (out.includes('audio') && !out.includes('text'))) return 'speech';
  if (/dall-e|image/.test(id) || (out.includes('image') && !out.includes('text'))) return 'image';
  return 'chat';
}

function maxCostSats(model: Record<string, unknown> | undefined): number {
  const sp = model && isObject(model.sats_pricing) ? model.sats_pricing : undefined;
  return sp && typeof sp.max_cost === 'number' ? sp.max_cost : Number.POSITIVE_INFINITY;
}

interface Discovery {
  capabilities: Capabilities;
  info?: Record<string, unknown>;
  unreachable?: string;
}

async function discover(origin: string, timeouts: Timeouts): Promise<Discovery> {
  const capabilities: Capabilities = { chat: [], embedding: [], image: [], transcription: [], speech: [], models: new Map(), routstr: false };
  const [models, info] = await Promise.all([httpRequest({ url: `${origin}/v1/models`, timeouts }), httpRequest({ url: `${origin}/v1/info`, timeouts })]);
  if (!models.ok && !info.ok && (isUnreachable(models) || isUnreachable(info))) {
    return { capabilities, unreachable: `${origin}: ${(models as HttpFailure).message}` };
  }
  if (models.ok) {
    const parsed = parseJson(models.text);
    const data = parsed.ok && isObject(parsed.value) && Array.isArray(parsed.value.data) ? parsed.value.data : [];
    for (const m of data) {
      if (!isObject(m) || typeof m.id !== 'string') continue;
      capabilities.models.set(m.id, m);
      capabilities[modelKind(m)].push(m.id);
    }
    // Cheapest chat model first, so checks that need one spend least.
    capabilities.chat.sort((a, b) => maxCostSats(capabilities.models.get(a)) - maxCostSats(capabilities.models.get(b)));
  }
  let infoBody: Record<string, unknown> | undefined;
  if (info.ok && info.status === 200) {
    const parsed = parseJson(info.text);
    if (parsed.ok && isObject(parsed.value)) {
      infoBody = parsed.value;
      capabilities.routstr = typeof infoBody.version === 'string' && Array.isArray(infoBody.mints);
    }
  }
  return { capabilities, ...(infoBody ? { info: infoBody } : {}) };
}

const NOT_ROUTSTR = 'not a Routstr node (GET /v1/info does not describe one): Routstr-only check';

const EMPTY_SUMMARY = (): Record<Status, number> => ({ pass: 0, fail: 0, warn: 0, info: 0, skip: 0, error: 0 });

/** A check's own status, capped by its severity: a warn-severity check never fails the run. */
function applySeverity(check: Check, outcome: CheckOutcome): Status {
  if (outcome.status === 'fail' && check.severity !== 'fail') return check.severity;
  return outcome.status;
}

/** Checks running at once by default: a node that stalls every stream then costs one idle timeout per batch, not one per check. */
export const PARALLEL_CHECKS = 4;
export const DEFAULT_DEADLINE_MS = 60_000;
/** Kept from the deadline, with a Cashu --key, to refund what the run did not spend: money is not left behind for speed. */
const REFUND_RESERVE_MS = 5_000;

/** The run's deadline: when the checks must be done by. */
class RunClock {
  private readonly endsAt: number;
  reached = false;
  constructor(
    readonly ms: number,
    reserveMs: number,
  ) {
    this.endsAt = Date.now() + ms - reserveMs;
  }
  remaining(): number {
    return Math.max(0, this.endsAt - Date.now());
  }
}

/** Timeouts no longer than `leftMs` (at least 1 ms each). */
function capTimeouts(t: Timeouts, leftMs: number): Timeouts {
  const left = Math.max(1, leftMs);
  return { firstByte: Math.min(t.firstByte, left), idle: Math.min(t.idle, left), total: Math.min(t.total, left) };
}

function notRun(clock: RunClock): CheckOutcome {
  clock.reached = true;
  return {
    status: 'error',
    reason: `expected the check to start before the run's deadline (${clock.ms} ms), got no time left: not run (raise --deadline for a slow node)`,
    expected: `started within the run's ${clock.ms} ms`,
    actual: 'not run',
  };
}

async function runOne(check: Check, base: Omit<CheckContext, 'signal' | 'checkId' | 'observed'>, totalMs: number, clock: RunClock): Promise<CheckOutcome> {
  const controller = new AbortController();
  const remaining = clock.remaining();
  // The run's deadline cuts a check that its own timeout would not have: then it was not judged (error), not failed.
  const cutByDeadline = remaining < totalMs;
  const limitMs = Math.max(1, Math.min(totalMs, remaining));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('check timeout'));
      if (cutByDeadline) {
        clock.reached = true;
        return resolve({
          status: 'error',
          reason: `expected the check to finish before the run's deadline (${clock.ms} ms), got no result when it came: not judged (raise --deadline for a slow node)`,
          expected: `done within the run's ${clock.ms} ms`,
          actual: 'still running at the deadline',
        });
      }
      resolve({
        status: 'fail',
        reason: `expected the check to finish within ${totalMs} ms, got no result (node too slow or hanging)`,
        expected: `done within ${totalMs} ms`,
        actual: 'still running',
      });
    }, limitMs);
  });
  const observed: Observed = {};
  try {
    const outcome = await Promise.race([check.run({ ...base, observed, checkId: check.id, signal: controller.signal }), timedOut]);
    if (outcome.status === 'fail' && observed.upstreamFailure) {
      return {
        ...outcome,
        status: 'error',
        reason: `the node's upstream failed, so the check could not judge the node (${observed.upstreamFailure}): ${outcome.reason}`,
        variant: observed.upstreamFailure,
      };
    }
    return outcome;
  } catch (err) {
    return { status: 'error', reason: `the check itself threw: ${(err as Error)?.message ?? String(err)}` };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/**
 * The x-cashu checks go before every other paid check: they need the --key token unspent, and the
 * Bearer checks after them draw on their change (RunSession).
 */
function paymentOrder(checks: readonly Check[]): Check[] {
  const xcashu = checks.filter((c) => c.area === 'x-cashu');
  const rest = checks.filter((c) => c.area !== 'x-cashu');
  const firstPaid = rest.findIndex((c) => c.paid);
  return firstPaid < 0 ? [...rest, ...xcashu] : [...rest.slice(0, firstPaid), ...xcashu, ...rest.slice(firstPaid)];
}

/** Runs the conformance checks against a node and returns the report (secrets redacted). */
export async function runConformance(options: RunOptions): Promise<Report> {
  const { origin, baseURL } = normalizeBaseUrl(options.baseUrl);
  const only = areaList(options.only, '--only');
  const skip = areaList(options.skip, '--skip');
  const maxSats = options.maxSats ?? 0;
  if (!Number.isFinite(maxSats) || maxSats < 0) throw new ConformanceConfigError(`--max-sats must be a number >= 0, got ${maxSats}`);
  const totalMs = options.timeoutMs ?? 60_000;
  if (!Number.isFinite(totalMs) || totalMs <= 0) throw new ConformanceConfigError(`--timeout must be a positive number of ms, got ${totalMs}`);
  const timeouts: Timeouts = {
    firstByte: options.timeouts?.firstByte ?? Math.min(15_000, totalMs),
    idle: options.timeouts?.idle ?? Math.min(15_000, totalMs),
    total: options.timeouts?.total ?? totalMs,
  };
  const deadlineMs = options.deadline ?? DEFAULT_DEADLINE_MS;
  if (!Number.isFinite(deadlineMs) || deadlineMs <= 0) throw new ConformanceConfigError(`--deadline must be a positive number of ms, got ${deadlineMs}`);
  const parallel = options.parallel ?? PARALLEL_CHECKS;
  if (!Number.isInteger(parallel) || parallel < 1) throw new ConformanceConfigError(`--parallel must be an integer >= 1, got ${parallel}`);
  const endsAt = Date.now() + deadlineMs;
  const refundReserve = options.key?.startsWith('cashu') ? Math.min(REFUND_RESERVE_MS, deadlineMs / 10) : 0;
  const clock = new RunClock(deadlineMs, refundReserve);
  const secrets = options.key ? [options.key] : [];
  const startedAt = new Date().toISOString();
  const found = await discover(origin, capTimeouts(timeouts, clock.remaining()));
  const { models: _models, ...capabilityList } = found.capabilities;
  const report: Report = {
    schemaVersion: 1,
    node: { url: redact(baseURL, secrets) },
    sdk: { name: 'openai', version: SDK_VERSION },
    startedAt,
    finishedAt: startedAt,
    budget: { maxSats, spentMsats: 0 },
    capabilities: capabilityList,
    results: [],
    summary: EMPTY_SUMMARY(),
  };
  if (typeof found.info?.name === 'string') report.node.name = found.info.name;
  if (typeof found.info?.version === 'string') report.node.version = found.info.version;
  if (found.unreachable) {
    report.unreachable = { reason: redact(found.unreachable, secrets) };
    report.finishedAt = new Date().toISOString();
    return report;
  }
  const model = options.model ?? found.capabilities.chat[0];
  const session: RunSession = options.key ? { bearer: options.key } : {};
  const base: Omit<CheckContext, 'signal' | 'checkId' | 'observed'> = {
    session,
    origin,
    baseURL,
    capabilities: found.capabilities,
    timeouts,
    ...(options.key ? { key: options.key } : {}),
    ...(model ? { model } : {}),
    ...(found.info ? { info: found.info } : {}),
    ...(options.allowForeignImageUrls ? { allowForeignImageUrls: true } : {}),
  };
  const budget = new Budget(maxSats * 1000);
  const pool = new Pool(parallel);
  const planned = paymentOrder(options.checks ?? ALL_CHECKS).filter((c) => (!only || only.has(c.area)) && !skip?.has(c.area));
  const done: Array<CheckResult | undefined> = [];
  let reported = 0;
  const record = (index: number, check: Check, outcome: CheckOutcome, started: number, planning: CheckContext) => {
    done[index] = redactDeep(
      {
        ...outcome,
        status: applySeverity(check, outcome),
        id: check.id,
        area: check.area,
        severity: check.severity,
        title: check.title,
        durationMs: Date.now() - started,
      },
      [...secrets, ...secretsOf(planning)],
    );
    // Results go out in the checks' order, whichever finished first.
    for (let r = done[reported]; r !== undefined; r = done[++reported]) {
      report.results.push(r);
      report.summary[r.status]++;
      options.onResult?.(r);
    }
  };
  /** The Cashu Bearer credential a node has already seen: its first use redeems it, which must not race. */
  let redeemedBearer: string | undefined;
  for (const [index, check] of planned.entries()) {
    const planning: CheckContext = { ...base, observed: {}, checkId: check.id, signal: new AbortController().signal };
    const skipReason = check.skipWhen?.(planning);
    if (check.routstrOnly && !found.capabilities.routstr) record(index, check, { status: 'skip', reason: NOT_ROUTSTR }, Date.now(), planning);
    else if (skipReason) record(index, check, { status: 'skip', reason: skipReason }, Date.now(), planning);
    else if (check.paid && !options.key)
      record(index, check, { status: 'skip', reason: 'paid check: needs --key (an sk- key or a Cashu token)' }, Date.now(), planning);
    else if (check.paid && check.area !== 'x-cashu' && !session.bearer)
      record(index, check, { status: 'skip', reason: `no credential left: ${session.spentBy}` }, Date.now(), planning);
    else {
      const firstCashuBearer = check.paid && check.area !== 'x-cashu' && session.bearer?.startsWith('cashu') && session.bearer !== redeemedBearer;
      const alone = check.runsAlone === true || firstCashuBearer === true;
      if (alone) await pool.drain();
      const estimate = check.paid ? (check.estimateMsats?.(planning) ?? 0) : 0;
      // Decided with nothing reserved, as in a sequential run: the running checks may spend less than their estimates.
      if (check.paid && !budget.fits(estimate)) await pool.drain();
      if (check.paid && !budget.fits(estimate)) {
        const reason = `over budget: estimated ${Math.ceil(estimate / 1000)} sats, ${Math.floor(budget.available / 1000)} of --max-sats ${maxSats} left`;
        record(index, check, { status: 'skip', reason }, Date.now(), planning);
        continue;
      }
      await pool.slot();
      if (clock.remaining() === 0) {
        record(index, check, notRun(clock), Date.now(), planning);
        continue;
      }
      budget.reserve(estimate);
      pool.start(async () => {
        const started = Date.now();
        const outcome = await runOne(check, base, totalMs, clock);
        if (check.paid) {
          budget.settle(estimate, outcome.spentMsats);
          report.budget.spentMsats += outcome.spentMsats ?? 0;
        }
        record(index, check, outcome, started, planning);
      });
      if (alone) {
        await pool.drain();
        if (firstCashuBearer) redeemedBearer = session.bearer;
      }
    }
  }
  await pool.drain();
  report.deadline = { ms: deadlineMs, reached: clock.reached };
  if (options.key && session.bearer && session.bearer !== options.key) {
    // The refund gets the time kept for it, and never less than a second: leaving the money behind is worse than running late.
    const left = Math.max(1000, endsAt - Date.now());
    report.leftover = await refundLeftover(origin, session.bearer, capTimeouts(timeouts, left), options.onRefundToken);
  }
  report.finishedAt = new Date().toISOString();
  return report;
}

/** Hands back what is left of a Cashu --key that the run moved into change (POST /v1/balance/refund). */
async function refundLeftover(
  origin: string,
  bearer: string,
  timeouts: Timeouts,
  onToken: RunOptions['onRefundToken'],
): Promise<NonNullable<Report['leftover']>> {
  if (!onToken) return { refunded: false, note: 'the rest of the --key token is in the node account of the last change token (no refund callback given)' };
  const res = await httpRequest({ url: `${origin}/v1/balance/refund`, method: 'POST', headers: { authorization: `Bearer ${bearer}` }, timeouts });
  const parsed = res.ok ? parseJson(res.text) : undefined;
  const body = parsed?.ok && isObject(parsed.value) ? parsed.value : undefined;
  if (!res.ok || res.status !== 200 || typeof body?.token !== 'string') {
    const what = res.ok ? `HTTP ${res.status}` : res.message;
    return { refunded: false, note: redact(`refund of the remainder failed (${what}); it stays in the node account of the last change token`) };
  }
  onToken(body.token);
  const amount = typeof body.msats === 'string' ? `${body.msats} msats` : typeof body.sats === 'string' ? `${body.sats} sats` : 'the remainder';
  return { refunded: true, note: `${amount} refunded as a new token` };
}

/** 0 all passed (warnings allowed), 1 a check failed or errored, 3 the node was unreachable. */
export function exitCodeFor(report: Report): 0 | 1 | 3 {
  if (report.unreachable) return 3;
  return report.summary.fail > 0 || report.summary.error > 0 ? 1 : 0;
}
