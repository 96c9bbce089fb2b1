import type { FastifyInstance } from 'fastify';
import { loadScenario, type ScenarioInput } from '../scenario/loader.ts';
import type { Scenario } from '../scenario/types.ts';
import type { LedgerTotals } from '../payment/ledger.ts';
import { buildApp } from './app.ts';
import { NodeContext } from './context.ts';
import { Journal, type JournalEntry } from './journal.ts';

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
  /** Required from every caller of /__mock/ when set; without it the control plane answers loopback only. */
  controlToken?: string;
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
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts a mock Routstr node in this process. */
export async function startMockNode(options: MockNodeOptions = {}): Promise<MockNode> {
  let context = new NodeContext(loadScenario(options.scenario ?? 'default', { seed: options.seed }));
  const journal = new Journal();
  const load = (input: ScenarioInput, overrides: { seed?: number } = {}) => {
    context = new NodeContext(loadScenario(input, { seed: overrides.seed ?? options.seed }));
    return context.scenario;
  };
  const reset = () => {
    context = new NodeContext(context.scenario);
  };
  const app = buildApp({
    context: () => context,
    journal,
    control: { loadScenario: load, reset, ...(options.controlToken ? { controlToken: options.controlToken } : {}) },
    logger: options.logger,
    bodyLimit: options.bodyLimit,
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 8000, host });
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
    close: () => app.close(),
  };
}
