import { existsSync, readFileSync } from 'node:fs';
import { watchScenario } from './node/watch.ts';
import { Command, InvalidArgumentError } from 'commander';
import { startMockNode } from './node/server.ts';
import { ScenarioError, formatProblem, lintScenario, loadScenario } from './scenario/loader.ts';
import { MAX_MINT_AMOUNT, mintToken, type CashuUnit } from './payment/cashu.ts';
import { scenarioJsonSchema } from './scenario/schema.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export function buildCli(): Command {
  const program = new Command('routstr-mock')
    .description('A mock Routstr node (OpenAI-compatible, paid with Cashu) and a conformance runner for real nodes')
    .version(pkg.version)
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
    .action(async (opts: { port: number; host: string; scenario: string; seed?: number; watch?: boolean; controlToken?: string }) => {
      try {
        const node = await startMockNode({
          port: opts.port,
          host: opts.host,
          scenario: opts.scenario,
          seed: opts.seed,
          ...(opts.controlToken ? { controlToken: opts.controlToken } : {}),
        });
        const s = node.scenario();
        process.stdout.write(`routstr-mock ${pkg.version}: scenario "${s.name}" (seed ${s.seed}, ${s.models.length} models) on ${node.url}\n`);
        if (!opts.controlToken && !isLoopbackHost(opts.host)) {
          process.stdout.write('control plane /__mock/ answers loopback callers only; pass --control-token to reach it from elsewhere\n');
        }
        if (opts.watch) {
          if (!existsSync(s.source)) throw new Error(`--watch needs a scenario file; "${opts.scenario}" is not one`);
          watchScenario(node, s.source, (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`));
          process.stdout.write(`watching ${s.source}\n`);
        }
        const stop = () => void node.close().then(() => process.exit(0));
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
