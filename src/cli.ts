import { existsSync } from 'node:fs';
import { watchScenario } from './node/watch.ts';
import { Command, InvalidArgumentError } from 'commander';
import { startMockNode } from './node/server.ts';
import { ScenarioError, formatProblem, lintScenario, loadScenario } from './scenario/loader.ts';
import { MAX_MINT_AMOUNT, mintToken, type CashuUnit } from './payment/cashu.ts';
import { scenarioJsonSchema } from './scenario/schema.ts';
import { writeFileSync } from 'node:fs';
import { AREAS } from './conformance/types.ts';
import { redact } from './conformance/redact.ts';
import { coverageSummary } from './record/coverage.ts';
import type { ReplayMode } from './node/replay.ts';
import { PACKAGE_VERSION } from './package-root.ts';
import { isLoopbackHost } from './node/control.ts';

/** The runner and the recorder are loaded only by the commands that use them: `serve` starts faster without them. */
const loadRunner = async () => ({
  ...(await import('./conformance/checks/index.ts')),
  ...(await import('./conformance/runner.ts')),
  ...(await import('./conformance/reporters/console.ts')),
  ...(await import('./conformance/reporters/json.ts')),
  ...(await import('./conformance/reporters/junit.ts')),
  ...(await import('./conformance/reporters/markdown.ts')),
});

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number, 0 or more');
  return n;
}

function httpUrl(value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new InvalidArgumentError('expected an http(s) URL');
  return value;
}

const timestamped = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function areas(value: string, previous: string[] | undefined): string[] {
  const list = value
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const bad = list.filter((a) => !(AREAS as readonly string[]).includes(a));
  if (bad.length > 0) throw new InvalidArgumentError(`unknown area ${bad.join(', ')} (areas: ${AREAS.join(', ')})`);
  return [...(previous ?? []), ...list];
}

interface ServeOptions {
  port: number;
  host: string;
  scenario: string;
  seed?: number;
  watch?: boolean;
  controlToken?: string;
  strict?: boolean;
  recordMissing?: boolean;
  upstream?: string;
  out?: string;
  key?: string;
  maxSats?: number;
  replaySpeed: number;
}

export function buildCli(): Command {
  const program = new Command('routstr-mock')
    .description('A mock Routstr node (OpenAI-compatible, paid with Cashu) and a conformance runner for real nodes')
    .version(PACKAGE_VERSION)
    .showHelpAfterError()
    // Usage errors exit 2 on every command (help and --version still exit 0).
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

  program
    .command('serve')
    .description('run a mock Routstr node')
    .option('--port <port>', 'port to listen on (0 picks a free one)', integer(0, 65535), 8000)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--scenario <file-or-name>', 'scenario file or shipped scenario name', 'default')
    .option('--seed <n>', "override the scenario's seed", integer(0, 2 ** 32 - 1))
    .option('--watch', 'reload the scenario file when it changes (an invalid version is refused and the old one kept)')
    .option('--control-token <token>', 'require this token on /__mock/ (needed to reach it from outside loopback)', process.env.ROUTSTR_MOCK_CONTROL_TOKEN)
    .option('--strict', 'replay only: a model request no rule answers gets a 404 no_recording naming the nearest recorded request')
    .option('--record-missing', 'a model request no rule answers is forwarded to --upstream and recorded (into --out, default the --scenario file)')
    .option('--upstream <url>', 'with --record-missing: the real node', httpUrl)
    .option('--out <file>', 'with --record-missing: the scenario file new recordings are appended to')
    .option('--key <key>', "with --record-missing: the upstream credential (default: each client's own; never written)", process.env.ROUTSTR_KEY)
    .option('--max-sats <n>', 'with --record-missing: stop forwarding once the upstream has reported this much cost', nonNegativeNumber)
    .option('--replay-speed <n>', 'recorded streams play this many times faster (0.5 = slower)', positiveNumber, 1)
    .action(async (opts: ServeOptions, cmd: Command) => {
      if (opts.strict && opts.recordMissing) cmd.error('error: --strict and --record-missing exclude each other', { exitCode: 2 });
      if (opts.recordMissing && !opts.upstream) cmd.error('error: --record-missing needs --upstream URL', { exitCode: 2 });
      // A reload would start the node afresh (balances, counters) after every recorded request.
      if (opts.recordMissing && opts.watch) cmd.error('error: --watch and --record-missing exclude each other', { exitCode: 2 });
      if (!opts.recordMissing && (opts.upstream || opts.out || opts.maxSats !== undefined))
        cmd.error('error: --upstream, --out and --max-sats go with --record-missing', { exitCode: 2 });
      try {
        const mode: ReplayMode = opts.strict ? 'strict' : opts.recordMissing ? 'record-missing' : 'fallback';
        const node = await startMockNode({
          port: opts.port,
          host: opts.host,
          scenario: opts.scenario,
          seed: opts.seed,
          ...(opts.controlToken ? { controlToken: opts.controlToken } : {}),
          replay: {
            mode,
            speed: opts.replaySpeed,
            ...(opts.recordMissing
              ? {
                  upstream: opts.upstream,
                  ...(opts.out ? { out: opts.out } : {}),
                  ...(opts.key ? { key: opts.key } : {}),
                  ...(opts.maxSats !== undefined ? { maxSats: opts.maxSats } : {}),
                  log: timestamped,
                }
              : {}),
          },
        });
        const s = node.scenario();
        process.stdout.write(`routstr-mock ${PACKAGE_VERSION}: scenario "${s.name}" (seed ${s.seed}, ${s.models.length} models) on ${node.url}\n`);
        if (!opts.controlToken && !isLoopbackHost(opts.host)) {
          process.stdout.write('control plane /__mock/ answers loopback callers only; pass --control-token to reach it from elsewhere\n');
        }
        if (opts.watch) {
          if (!existsSync(s.source)) throw new Error(`--watch needs a scenario file; "${opts.scenario}" is not one`);
          watchScenario(node, s.source, (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`));
          process.stdout.write(`watching ${s.source}\n`);
        }
        if (mode !== 'fallback')
          process.stdout.write(
            `unmatched model requests: ${mode === 'strict' ? '404 no_recording (--strict)' : `forwarded to ${redact(opts.upstream!)} and recorded`}\n`,
          );
        const stop = () => {
          // One line on what the run covered: rules never hit, requests that matched no rule.
          const coverage = node.coverage();
          if (coverage.rules.length > 0 || coverage.unmatched.length > 0) process.stdout.write(`${coverageSummary(coverage)}\n`);
          void node.close().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (err) {
        if (err instanceof ScenarioError) {
          process.stderr.write(`${err.message}\n`);
          process.exit(2);
        }
        process.stderr.write(`routstr-mock: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });

  program
    .command('record')
    .description('record a real node: a proxy that forwards every request and appends each model request to a scenario file as a rule')
    .requiredOption('--upstream <url>', 'the real node, e.g. https://node.example/v1', httpUrl)
    .requiredOption('--out <file>', 'the scenario file to append to (created when missing)')
    .option('--key <key>', "the upstream credential (sk-… or cashu…; default: each client's own); never written to the file", process.env.ROUTSTR_KEY)
    .option('--max-sats <n>', 'stop forwarding model requests once the upstream has reported this much cost (sats)', nonNegativeNumber)
    .option('--re-record', 'drop the recorded rules already in --out instead of appending (other sections and hand-written rules stay)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', integer(0, 65535), 8000)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .action(async (opts: { upstream: string; out: string; key?: string; maxSats?: number; reRecord?: boolean; port: number; host: string }) => {
      try {
        const { startRecorder } = await import('./record/proxy.ts');
        const recorder = await startRecorder({
          upstream: opts.upstream,
          out: opts.out,
          port: opts.port,
          host: opts.host,
          ...(opts.key ? { key: opts.key } : {}),
          ...(opts.maxSats !== undefined ? { maxSats: opts.maxSats } : {}),
          ...(opts.reRecord ? { reRecord: true } : {}),
          log: timestamped,
        });
        process.stdout.write(
          `routstr-mock record: ${recorder.url} → ${redact(opts.upstream)}, recording to ${opts.out}${opts.maxSats !== undefined ? ` (at most ${opts.maxSats} sats)` : ''}\n`,
        );
        const stop = () => {
          const { session } = recorder;
          process.stdout.write(
            `recorded ${session.recorded} request${session.recorded === 1 ? '' : 's'} to ${opts.out}; the upstream reported ${session.spentMsats} msats${session.refused > 0 ? `; ${session.refused} refused after --max-sats` : ''}\n`,
          );
          void recorder.close().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (err) {
        process.stderr.write(`routstr-mock record: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });

  program
    .command('token')
    .description("print a fresh Cashu token from the mock's fake mint (no valid signatures; the mock accepts it)")
    .requiredOption('--amount <n>', 'token value in --unit (integer, 1 to 2^40)', (value: string): number => {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_MINT_AMOUNT) {
        throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_MINT_AMOUNT}`);
      }
      return Number(value);
    })
    .option(
      '--unit <unit>',
      'sat or msat',
      (value: string): CashuUnit => {
        if (value !== 'sat' && value !== 'msat') throw new InvalidArgumentError('expected "sat" or "msat"');
        return value;
      },
      'sat',
    )
    .option('--mint <url>', "mint URL (default: the default scenario's first mint)", (value: string): string => {
      if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new InvalidArgumentError('expected an http(s) URL');
      return value;
    })
    .option(
      '--format <A|B>',
      'A = cashuA (V3, JSON), B = cashuB (V4, CBOR)',
      (value: string): 'A' | 'B' => {
        const format = value.toUpperCase();
        if (format !== 'A' && format !== 'B') throw new InvalidArgumentError('expected "A" or "B"');
        return format;
      },
      'B',
    )
    // Usage errors print one line and exit 2 (commander's default is 1 plus the help text).
    .showHelpAfterError(false)
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action((opts: { amount: number; unit: CashuUnit; mint?: string; format: 'A' | 'B' }) => {
      try {
        const mint = opts.mint ?? loadScenario('default').node.mints[0] ?? 'http://mint.mock.local';
        process.stdout.write(`${mintToken({ amount: opts.amount, unit: opts.unit, mint, format: opts.format })}\n`);
      } catch (err) {
        process.stderr.write(`routstr-mock token: ${(err as Error).message.split('\n')[0]}\n`);
        process.exit(2);
      }
    });

  program
    .command('check')
    .description(
      'check a Routstr (or OpenAI-compatible) node against the API and Routstr behaviour; exit 0 pass, 1 a check failed, 2 bad usage, 3 node unreachable',
    )
    .argument('[base-url]', 'node URL, with or without /v1 (optional with --mock)')
    .option('--key <key>', 'API key (sk-...) or Cashu token for paid checks (never printed)', process.env.ROUTSTR_KEY)
    .option('--only <areas>', `comma-separated areas to run (${AREAS.join(', ')})`, areas)
    .option('--skip <areas>', 'comma-separated areas to leave out', areas)
    .option('--max-sats <n>', 'most sats the paid checks may spend', integer(0, 2 ** 40), 0)
    .option('--model <id>', 'chat model for the checks (default: the cheapest chat model)')
    .option('--json <file>', 'write the JSON report here')
    .option('--junit <file>', 'write a JUnit XML report here')
    .option('--timeout <ms>', 'total time per check in ms', integer(1, 3_600_000), 60_000)
    .option(
      '--deadline <ms>',
      'total time of the whole run in ms: checks still running then are cut and the rest not run, both reported as errors (with a Cashu --key, 5 s of it are kept for the refund)',
      integer(1, 24 * 3_600_000),
      60_000,
    )
    .option('--parallel <n>', 'checks run at once (1: one by one, e.g. for a node that rate-limits hard)', integer(1, 64), 4)
    .option(
      '--allow-foreign-image-urls',
      "images.format: also fetch image URLs (and redirects) off the node's origin, e.g. a CDN (default: noted as info, not fetched; never with credentials)",
    )
    .option('--list', 'list every check (id, area, severity, paid) and exit')
    .option('--mock', 'start an embedded mock node on a free port and check it')
    .option('--scenario <file>', 'with --mock: the scenario of the embedded node (e.g. one of scenarios/broken/)')
    .option('--refund-to <file>', 'with a Cashu --key: where to write the token refunding what the run did not spend', 'routstr-check-refund.cashu')
    .action(
      async (
        baseUrl: string | undefined,
        opts: {
          key?: string;
          only?: string[];
          skip?: string[];
          maxSats: number;
          model?: string;
          json?: string;
          junit?: string;
          timeout: number;
          deadline: number;
          parallel: number;
          allowForeignImageUrls?: boolean;
          list?: boolean;
          mock?: boolean;
          scenario?: string;
          refundTo: string;
        },
        cmd: Command,
      ) => {
        if (opts.list) {
          const { ALL_CHECKS } = await loadRunner();
          for (const c of ALL_CHECKS)
            process.stdout.write(`${c.id.padEnd(30)} ${c.area.padEnd(11)} ${c.severity.padEnd(5)} ${c.paid ? 'paid' : 'free'}  ${c.title}\n`);
          return;
        }
        if (!baseUrl && !opts.mock) cmd.error('error: missing argument <base-url> (or pass --mock)', { exitCode: 2 });
        if (baseUrl && opts.mock) cmd.error('error: give either <base-url> or --mock, not both', { exitCode: 2 });
        if (opts.scenario && !opts.mock) cmd.error('error: --scenario needs --mock', { exitCode: 2 });
        let mock: Awaited<ReturnType<typeof startMockNode>> | undefined;
        try {
          mock = opts.mock ? await startMockNode({ port: 0, ...(opts.scenario ? { scenario: opts.scenario } : {}) }) : undefined;
        } catch (err) {
          cmd.error(`error: ${(err as Error).message}`, { exitCode: 2 });
        }
        const url = mock?.url ?? baseUrl!;
        const { ConformanceConfigError, exitCodeFor, runConformance, formatResultLine, formatSummary, formatJson, formatJunit, writeStepSummary } =
          await loadRunner();
        try {
          process.stdout.write(`routstr-mock check ${redact(url)}\n`);
          const report = await runConformance({
            baseUrl: url,
            key: opts.key,
            only: opts.only,
            skip: opts.skip,
            maxSats: opts.maxSats,
            model: opts.model,
            timeoutMs: opts.timeout,
            deadline: opts.deadline,
            parallel: opts.parallel,
            allowForeignImageUrls: opts.allowForeignImageUrls,
            onResult: (r) => process.stdout.write(`${formatResultLine(r)}\n`),
            onRefundToken: (token) => {
              writeFileSync(opts.refundTo, `${token}\n`, { mode: 0o600 });
              process.stdout.write(`the unspent rest of the --key token was refunded: new token written to ${opts.refundTo}\n`);
            },
          });
          process.stdout.write(`${formatSummary(report)}\n`);
          if (opts.json) writeFileSync(opts.json, formatJson(report));
          if (opts.junit) writeFileSync(opts.junit, formatJunit(report));
          writeStepSummary(report);
          process.exitCode = exitCodeFor(report);
        } catch (err) {
          if (err instanceof ConformanceConfigError) {
            process.stderr.write(`routstr-mock check: ${err.message}\n`);
            process.exitCode = 2;
          } else {
            process.stderr.write(`routstr-mock check: ${(err as Error).message}\n`);
            process.exitCode = 1;
          }
        } finally {
          await mock?.close();
        }
      },
    );

  const scenario = program.command('scenario').description('work with scenario files');
  scenario
    .command('lint')
    .description('validate scenario files; prints file:line:col message per problem')
    .argument('<files...>', 'scenario files')
    .action((files: string[]) => {
      let problems = 0;
      for (const file of files) {
        for (const p of lintScenario(file)) {
          process.stdout.write(`${formatProblem(p)}\n`);
          problems++;
        }
      }
      process.exitCode = problems > 0 ? 1 : 0;
    });
  scenario
    .command('schema')
    .description('print the JSON Schema of scenario files')
    .action(() => {
      process.stdout.write(`${JSON.stringify(scenarioJsonSchema, null, 2)}\n`);
    });
  return program;
}

await buildCli().parseAsync(process.argv);
