import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type fc from 'fast-check';
import { BODY_LIMIT, FUZZ_BALANCE_MSATS, FUZZ_KEY, type FuzzRequest, caseAt } from './fuzz-arbitraries.ts';

/**
 * Runs generated requests against a mock node in a child process and judges every answer: a
 * success, or a 4xx in one of the node's error envelopes; never a 5xx, a hang, a dropped
 * connection, a crash or memory that keeps growing. Shared by test/e2e/fuzz.test.ts and bench/fuzz.ts.
 */

/** Unpaced streams, so a streamed answer takes no longer than a plain one. */
export const FUZZ_SCENARIO = { version: 1, stream: { ttft_ms: 0, tokens_per_second: 0, chunk_tokens: 1, usage_chunk: 'always' } };

export interface MemoryReport {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  peakRss: number;
}

/** A mock node in a child process: a crash or a blocked event loop there fails requests here, nothing more. */
export interface FuzzNode {
  origin: string;
  pid: number;
  alive(): boolean;
  /** What the child printed (and how it ended), for failure messages. */
  output(): string;
  /** Memory after a full GC in the child; undefined when it does not answer within `timeoutMs`. */
  memory(timeoutMs?: number): Promise<MemoryReport | undefined>;
  kill(): void;
}

export function spawnFuzzNode(scenario: Record<string, unknown> = FUZZ_SCENARIO): Promise<FuzzNode> {
  const bin = fileURLToPath(new URL('../../bin/routstr-mock.js', import.meta.url));
  const probe = fileURLToPath(new URL('./fuzz-child-probe.mjs', import.meta.url));
  const proc: ChildProcess = spawn(process.execPath, ['--expose-gc', '--import', probe, bin, 'serve', '--port', '0', '--scenario', JSON.stringify(scenario)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  let exit: string | undefined;
  let probes = 0;
  const append = (d: Buffer) => {
    // Only the last 20 kB: a chatty child must not grow this process.
    output = `${output}${d.toString()}`.slice(-20_000);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  proc.once('exit', (code, signal) => (exit = `exited with ${code ?? signal}`));
  const node = (origin: string): FuzzNode => ({
    origin,
    pid: proc.pid!,
    alive: () => exit === undefined,
    output: () => `${output}${exit ? `\n[${exit}]` : ''}`,
    memory: (timeoutMs = 5000) =>
      new Promise((resolve) => {
        if (exit !== undefined || !proc.connected) return resolve(undefined);
        const id = ++probes;
        const onMessage = (m: { type?: string; id?: number } & MemoryReport) => {
          if (m?.type !== 'memory' || m.id !== id) return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, peakRss: m.peakRss });
        };
        const timer = setTimeout(() => {
          proc.off('message', onMessage);
          resolve(undefined);
        }, timeoutMs);
        proc.on('message', onMessage);
        proc.send({ type: 'memory', id });
      }),
    kill: () => void (exit === undefined && proc.kill('SIGKILL')),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child node did not start: ${output}`)), 15_000);
    proc.stdout!.on('data', () => {
      const url = /on (http:\/\/\S+)\/v1/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(node(url));
      }
    });
    proc.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the child node ${exit}: ${output}`));
    });
  });
}

// ---- Sending ---------------------------------------------------------------------------------------

export type Answer =
  | { ok: true; status: number; headers: http.IncomingHttpHeaders; body: Buffer; tail: Buffer; bytes: number; ms: number }
  | { ok: false; error: string; ms: number };

/** Bodies are kept whole up to this size (an error body is never near it); past it only counted. */
const KEEP_BYTES = 8 * 1024 * 1024;

/**
 * Sends one request as is (method, raw path, headers, bytes) on a fresh connection, so a
 * connection the node closed on a parse error cannot break the next request.
 */
export function send(origin: string, req: FuzzRequest, timeoutMs: number): Promise<Answer> {
  const url = new URL(origin);
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    let request: http.ClientRequest;
    let responded = false;
    try {
      // An explicit length, so a body on a GET is framed instead of read as the next request; and
      // keep-alive, so a node that answers before reading a body drains it instead of closing on
      // it (a close with bytes unread resets the connection, and the answer can be lost).
      const headers = {
        connection: 'keep-alive',
        ...req.headers,
        ...(req.body && req.body.length > 0 ? { 'content-length': String(req.body.length) } : {}),
      };
      request = http.request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false }, (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        let bytes = 0;
        let tail = Buffer.alloc(0);
        res.on('data', (chunk: Buffer) => {
          if (bytes < KEEP_BYTES) chunks.push(chunk);
          bytes += chunk.length;
          tail = Buffer.concat([tail, chunk]).subarray(-64);
        });
        res.on('end', () => done({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), tail, bytes, ms: ms() }));
        res.on('error', (err) => done({ ok: false, error: `response broke off: ${err.message}`, ms: ms() }));
        res.on('aborted', () => done({ ok: false, error: 'response aborted', ms: ms() }));
      });
    } catch (err) {
      // The client refused to send it (an invalid method or header): not a request the node saw.
      resolve({ ok: false, error: `unsendable: ${(err as Error).message}`, ms: 0 });
      return;
    }
    const timer = setTimeout(() => {
      done({ ok: false, error: `no answer within ${timeoutMs} ms`, ms: ms() });
      request.destroy();
    }, timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => {
      const error = () => done({ ok: false, error: `connection error: ${err.message}`, ms: ms() });
      // A node may answer (413) and close before a big body is all sent: the answer may still be read.
      if (!responded && (err.code === 'EPIPE' || err.code === 'ECONNRESET')) setTimeout(() => !responded && error(), 1000);
      else if (!responded) error();
    });
    if (req.body && req.body.length > 0) request.end(req.body);
    else request.end();
  });
}

// ---- Judging -----------------------------------------------------------------------------------------

function isJsonType(headers: http.IncomingHttpHeaders): boolean {
  return /^application\/json/i.test(String(headers['content-type'] ?? ''));
}

/** The node's error envelopes (src/node/errors.ts), and the control plane's `{error: {message, type}}`. */
function envelopeProblems(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['the body is not a JSON object'];
  const b = body as Record<string, unknown>;
  if (b.error === undefined && b.detail === undefined) return ['neither `error` nor `detail`'];
  const error = b.error;
  if (error !== undefined) {
    if (typeof error === 'string') return error ? [] : ['an empty `error`'];
    if (error === null || typeof error !== 'object') return ['`error` is neither a string nor an object'];
    const e = error as Record<string, unknown>;
    if (typeof e.message !== 'string' || e.message === '') return ['`error.message` missing or empty'];
    if (typeof e.type !== 'string' || e.type === '') return ['`error.type` missing or empty'];
  }
  return [];
}

/**
 * A body over the limit is refused (413) as soon as its headers are read, and the node closes the
 * connection after its answer. A client still writing then gets a reset that can overtake the
 * answer: Node does no lingering close. That reset, for that body only, is a refusal.
 */
function resetAfterOverLimitBody(req: FuzzRequest, answer: Answer): boolean {
  return !answer.ok && (req.body?.length ?? 0) > BODY_LIMIT && /EPIPE|ECONNRESET/.test(answer.error);
}

/** Why an answer breaks the contract; empty when it is fine. */
export function answerProblems(req: FuzzRequest, answer: Answer): string[] {
  if (resetAfterOverLimitBody(req, answer)) return [];
  if (!answer.ok) return [answer.error];
  const { status, headers, body, bytes } = answer;
  const whole = bytes === body.length;
  const problems: string[] = [];
  if (status >= 500) problems.push(`status ${status}`);
  else if (status < 200 || (status >= 300 && status < 400)) problems.push(`unexpected status ${status}`);
  if (!headers['x-routstr-request-id']) problems.push('no x-routstr-request-id header');
  if (req.method === 'HEAD' || status === 204) return problems;
  const text = whole ? body.toString('utf8') : undefined;
  if (status >= 400) {
    if (!isJsonType(headers)) problems.push(`content-type ${String(headers['content-type'])}`);
    if (bytes > 64 * 1024) problems.push(`an error body of ${bytes} bytes`);
    if (text !== undefined) {
      try {
        problems.push(...envelopeProblems(JSON.parse(text)));
      } catch {
        problems.push('the error body is not JSON');
      }
    }
    return problems.map((p) => `${status}: ${p}`);
  }
  // Successes: JSON parses, a stream ends with [DONE] and carries no error frame.
  if (text !== undefined && isJsonType(headers)) {
    try {
      JSON.parse(text);
    } catch {
      problems.push(`${status} with a JSON content type and a body that does not parse`);
    }
  }
  if (/^text\/event-stream/.test(String(headers['content-type'] ?? ''))) {
    const tail = answer.tail.toString('utf8');
    if (!tail.endsWith('data: [DONE]\n\n')) problems.push('a stream that does not end with data: [DONE]');
    if (text !== undefined && /^data: \{"error"/m.test(text)) problems.push('an error frame in a 200 stream');
  }
  return problems;
}

/** What to print for a failing case: enough to see it, and how to replay it. */
export function describeCase(req: FuzzRequest, seed: number, index: number): string {
  const body = req.body;
  const preview = body ? JSON.stringify(body.subarray(0, 400).toString('latin1')) : '(none)';
  return [
    `case ${index} (seed ${seed}): ${req.kind}`,
    `  ${req.method} ${req.path.length > 200 ? `${req.path.slice(0, 200)}…(${req.path.length} chars)` : req.path}`,
    `  headers ${JSON.stringify(req.headers).slice(0, 400)}`,
    `  body ${body ? `${body.length} bytes, ` : ''}${preview}${body && body.length > 400 ? '…' : ''}`,
    `  replay: FUZZ_SEED=${seed} FUZZ_CASE=${index} npm run bench:fuzz`,
  ].join('\n');
}

// ---- Running -----------------------------------------------------------------------------------------

export interface FuzzStats {
  cases: number;
  byStatus: Map<string, number>;
  byKind: Map<string, { cases: number; ok: number; rejected: number }>;
  slowest: { ms: number; description: string }[];
  failures: string[];
  totalMs: number;
}

export function newStats(): FuzzStats {
  return { cases: 0, byStatus: new Map(), byKind: new Map(), slowest: [], failures: [], totalMs: 0 };
}

export interface RunOptions {
  node: FuzzNode;
  arbitrary: fc.Arbitrary<FuzzRequest>;
  seed: number;
  /** Case indexes to run. */
  indexes: number[];
  concurrency: number;
  timeoutMs: number;
  stats: FuzzStats;
  /** Called after each case (progress output). */
  onCase?: (done: number) => void;
}

/** Runs the cases, `concurrency` at a time; stops early once the node is dead. */
export async function runCases(o: RunOptions): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.indexes.length && o.node.alive()) {
      const index = o.indexes[next++]!;
      const req = caseAt(o.arbitrary, o.seed, index);
      const answer = await send(o.node.origin, req, o.timeoutMs);
      record(o.stats, req, answer, o.seed, index);
      o.onCase?.(++done);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
}

function record(stats: FuzzStats, req: FuzzRequest, answer: Answer, seed: number, index: number): void {
  stats.cases++;
  stats.totalMs += answer.ms;
  const status = answer.ok
    ? String(answer.status)
    : resetAfterOverLimitBody(req, answer)
      ? 'reset (over the body limit)'
      : answer.error.startsWith('no answer')
        ? 'timeout'
        : 'no answer';
  stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
  const kind = stats.byKind.get(req.kind) ?? { cases: 0, ok: 0, rejected: 0 };
  kind.cases++;
  if (answer.ok && answer.status < 300) kind.ok++;
  else kind.rejected++;
  stats.byKind.set(req.kind, kind);
  const slow = stats.slowest;
  if (slow.length < 5 || answer.ms > slow[slow.length - 1]!.ms) {
    slow.push({ ms: answer.ms, description: `${answer.ok ? answer.status : answer.error}: ${describeCase(req, seed, index)}` });
    slow.sort((a, b) => b.ms - a.ms);
    slow.length = Math.min(slow.length, 5);
  }
  const problems = answerProblems(req, answer);
  if (problems.length > 0) {
    const answerText = answer.ok ? ` → ${answer.body.subarray(0, 300).toString('utf8')}` : '';
    stats.failures.push(`${problems.join('; ')}${answerText}\n${describeCase(req, seed, index)}`);
  }
}

// ---- Money: rejected requests cost nothing ------------------------------------------------------------

async function getJson(origin: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<any> {
  const res = await fetch(`${origin}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Funds the fuzz key (a fresh account each call). */
export async function fundFuzzKey(node: FuzzNode): Promise<void> {
  await getJson(node.origin, '/__mock/keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: FUZZ_KEY, balance_msats: FUZZ_BALANCE_MSATS }),
  });
}

export interface LedgerState {
  totals: { initial: number; credited: number; charged: number; refunded: number; balances: number; reserved: number; openReservations: number };
  balance: number;
  reserved: number;
}

export async function ledgerState(node: FuzzNode): Promise<LedgerState> {
  const totals = await getJson(node.origin, '/__mock/ledger');
  const info = await getJson(node.origin, '/v1/balance/info', { headers: { authorization: `Bearer ${FUZZ_KEY}` } });
  return { totals, balance: info.balance + info.reserved, reserved: info.reserved };
}

interface JournalEntry {
  path: string;
  method: string;
  status?: number;
  cost_msats?: number;
  key?: string;
}

export async function clearJournal(node: FuzzNode): Promise<void> {
  await getJson(node.origin, '/__mock/journal', { method: 'DELETE' });
}

/** The journal once every request in it has its status (a response's close is recorded a moment after its end). */
async function settledJournal(node: FuzzNode): Promise<JournalEntry[]> {
  for (let i = 0; ; i++) {
    const { entries } = (await getJson(node.origin, '/__mock/journal')) as { entries: JournalEntry[] };
    if (i >= 40 || entries.every((e) => e.status !== undefined)) return entries;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Checks the money after a batch (at most 1000 requests: the journal's size): only successes were
 * charged, the fuzz key lost exactly what they cost, nothing is left reserved, and the ledger
 * still adds up.
 */
export async function ledgerProblems(node: FuzzNode, before: LedgerState): Promise<string[]> {
  const after = await ledgerState(node);
  const journal = await settledJournal(node);
  const problems: string[] = [];
  let charged = 0;
  for (const e of journal) {
    const cost = e.cost_msats ?? 0;
    if (cost !== 0 && (e.status === undefined || e.status >= 300)) problems.push(`${e.method} ${e.path} answered ${e.status} and cost ${cost} msats`);
    charged += cost;
  }
  const t = after.totals;
  if (t.initial + t.credited - t.charged - t.refunded !== t.balances) problems.push(`the ledger does not add up: ${JSON.stringify(t)}`);
  if (t.reserved !== 0 || t.openReservations !== 0) problems.push(`reservations left open: ${t.reserved} msats in ${t.openReservations}`);
  if (after.reserved !== 0) problems.push(`the fuzz key still has ${after.reserved} msats reserved`);
  const spent = before.balance - after.balance;
  if (t.charged - before.totals.charged !== charged)
    problems.push(`the ledger charged ${t.charged - before.totals.charged} msats, the journal's successes cost ${charged}`);
  if (spent !== charged) problems.push(`the fuzz key lost ${spent} msats; its successful requests cost ${charged}`);
  return problems;
}

/** Puts the node back as it was started (a control-plane fuzz may have loaded a scenario or queued faults). */
export async function restoreNode(node: FuzzNode): Promise<void> {
  await getJson(node.origin, '/__mock/scenario', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(FUZZ_SCENARIO) });
  await getJson(node.origin, '/__mock/reset', { method: 'POST' });
  await fundFuzzKey(node);
}

/** One ordinary request per endpoint; each must succeed. */
export async function sanityProblems(node: FuzzNode): Promise<string[]> {
  const auth = { authorization: `Bearer ${FUZZ_KEY}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const calls: [string, RequestInit][] = [
    ['/v1/models', {}],
    [
      '/v1/chat/completions',
      { method: 'POST', headers: json, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] }) },
    ],
    [
      '/v1/chat/completions',
      { method: 'POST', headers: json, body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say hello' }] }) },
    ],
    ['/v1/completions', { method: 'POST', headers: json, body: JSON.stringify({ model: 'gpt-4o-mini', prompt: 'Say hello' }) }],
    ['/v1/embeddings', { method: 'POST', headers: json, body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hello' }) }],
    ['/v1/images/generations', { method: 'POST', headers: json, body: JSON.stringify({ model: 'dall-e-3', prompt: 'a cat' }) }],
    ['/v1/audio/speech', { method: 'POST', headers: json, body: JSON.stringify({ model: 'tts-1', input: 'Hello.', voice: 'alloy', response_format: 'wav' }) }],
    ['/v1/balance/info', { headers: auth }],
  ];
  const problems: string[] = [];
  for (const [path, init] of calls) {
    try {
      const res = await fetch(`${node.origin}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (res.status !== 200) problems.push(`${init.method ?? 'GET'} ${path} after fuzzing: ${res.status} ${text.slice(0, 200)}`);
    } catch (err) {
      problems.push(`${init.method ?? 'GET'} ${path} after fuzzing: ${(err as Error).message}`);
    }
  }
  return problems;
}

export function formatStats(stats: FuzzStats): string {
  const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}: ${n}`);
  const kinds = [...stats.byKind.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `  ${k.padEnd(34)} ${String(v.cases).padStart(6)} cases, ${v.ok} ok`);
  return [`${stats.cases} cases; by status: ${statuses.join(', ')}`, 'by generator:', ...kinds].join('\n');
}
