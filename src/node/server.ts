import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Coverage } from '../record/coverage.ts';
import { RecordingSession } from '../record/proxy.ts';
import { yieldToEventLoop } from '../generate/cooperative.ts';
import { Semaphore } from '../limits/semaphore.ts';
import { loadScenario, loadScenarioInBackground, type ScenarioInput } from '../scenario/loader.ts';
import type { Scenario } from '../scenario/types.ts';
import type { LedgerTotals } from '../payment/ledger.ts';
import { type RequestTimeouts, buildApp } from './app.ts';
import { NodeContext } from './context.ts';
import { Journal, type JournalEntry } from './journal.ts';
import type { ReplayMode, ReplaySettings } from './replay.ts';

export interface MockNodeOptions {
  /** 0 picks a free port. Default 8000. */
  port?: number;
  host?: string;
  /** A file path, a shipped scenario name, YAML text or a scenario object. Default: the default scenario. */
  scenario?: ScenarioInput;
  /** Overrides the scenario's seed. */
  seed?: number;
  logger?: boolean;
  bodyLimit?: number;
  /** How long a client may take to send its headers and its whole request (README "Limits": 60 s and 300 s). */
  timeouts?: RequestTimeouts;
  /** Required from every caller of /__mock/ when set; without it the control plane answers loopback callers that name a loopback Host, and no web page (README "Control plane"). */
  controlToken?: string;
  /** Replaying a recorded scenario (README "Record and replay"). */
  replay?: ReplayOptions;
}

export interface ReplayOptions {
  /**
   * What a model request no rule answers gets: `fallback` (default) a generated answer, `strict`
   * the node's 404 `no_recording` naming the nearest recorded request, `record-missing` the real
   * node's answer (from `upstream`), recorded into `out`.
   */
  mode?: ReplayMode;
  /** Recorded stream times are divided by this (default 1). */
  speed?: number;
  /** record-missing: the real node. */
  upstream?: string;
  /** record-missing: the file the new rules go to (default: the scenario file). */
  out?: string;
  /** record-missing: the upstream credential (default: each client's own). */
  key?: string;
  /** record-missing: stop forwarding once this much reported cost (sats) is reached. */
  maxSats?: number;
  /** record-missing: one line per forwarded request. */
  log?: (line: string) => void;
}

export interface MockNode {
  /** Base URL of the OpenAI-compatible API, ending in `/v1`. */
  url: string;
  /** The node root (without `/v1`). */
  origin: string;
  port: number;
  host: string;
  scenario(): Scenario;
  /** Money in the ledger: initial + credited − charged − refunded always equals balances. */
  ledgerTotals(): LedgerTotals;
  /** Replaces the active scenario; a scenario that fails validation throws and changes nothing. */
  loadScenario(input: ScenarioInput, overrides?: { seed?: number }): Scenario;
  /** Fresh money, counters and queued faults for the active scenario. */
  reset(): void;
  /** Every request seen so far (bounded), credentials redacted. */
  journal(): JournalEntry[];
  /** Rules never hit and model requests that matched no rule (as GET /__mock/coverage). */
  coverage(): Coverage;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts a mock Routstr node in this process. */
/** uvicorn's default `--backlog`. */
const LISTEN_BACKLOG = 2048;

export async function startMockNode(options: MockNodeOptions = {}): Promise<MockNode> {
  const scenario = loadScenario(options.scenario ?? 'default', { seed: options.seed });
  const replay = replaySettings(options.replay, scenario.source);
  let context = new NodeContext(scenario, replay);
  const journal = new Journal();
  const load = (input: ScenarioInput, overrides: { seed?: number } = {}) => {
    context = new NodeContext(loadScenario(input, { seed: overrides.seed ?? options.seed }), replay);
    return context.scenario;
  };
  // The control plane's loads parse on a worker thread (a big scenario takes seconds), one at a
  // time, so they take effect in the order they were sent.
  const loads = new Semaphore(1);
  const loadInBackground = (input: ScenarioInput) =>
    loads.run(async () => {
      const scenario = await loadScenarioInBackground(input, { seed: options.seed });
      await yieldToEventLoop();
      context = new NodeContext(scenario, replay);
      return scenario;
    });
  const reset = () => {
    context = new NodeContext(context.scenario, replay);
  };
  const app = buildApp({
    context: () => context,
    journal,
    control: { loadScenario: loadInBackground, reset, ...(options.controlToken ? { controlToken: options.controlToken } : {}) },
    logger: options.logger,
    bodyLimit: options.bodyLimit,
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });
  const host = options.host ?? '127.0.0.1';
  // uvicorn's (real nodes') accept queue, not Node's 511: a burst of connections beyond the queue
  // loses SYNs, and each retries a second later (the kernel caps it at net.core.somaxconn).
  await app.listen({ port: options.port ?? 8000, host, backlog: LISTEN_BACKLOG });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8000);
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    host,
    app,
    scenario: () => context.scenario,
    ledgerTotals: () => context.payments.ledger.totals(),
    loadScenario: load,
    reset,
    journal: () => journal.list(),
    coverage: () => context.coverage(),
    close: () => app.close(),
  };
}

function replaySettings(options: ReplayOptions | undefined, scenarioSource: string): ReplaySettings {
  const mode = options?.mode ?? 'fallback';
  const speed = options?.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`replay speed must be a positive number, not ${speed}`);
  if (mode !== 'record-missing') return { mode, speed };
  if (!options?.upstream) throw new Error('record-missing needs the upstream node (--upstream URL)');
  const out = options.out ?? (existsSync(scenarioSource) ? scenarioSource : undefined);
  if (!out) throw new Error('record-missing needs a file to record into (--out FILE, or a --scenario file)');
  const recorder = new RecordingSession({
    upstream: options.upstream,
    out,
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.maxSats !== undefined ? { maxSats: options.maxSats } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { mode, speed, recorder };
}
