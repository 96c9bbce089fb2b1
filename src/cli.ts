import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { startMockNode } from './node/server.ts';
import { ScenarioError, formatProblem, lintScenario } from './scenario/loader.ts';
import { scenarioJsonSchema } from './scenario/schema.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

export function buildCli(): Command {
  const program = new Command('routstr-mock')
    .description('A mock Routstr node (OpenAI-compatible, paid with Cashu) and a conformance runner for real nodes')
    .version(pkg.version)
    .showHelpAfterError();

  program
    .command('serve')
    .description('run a mock Routstr node')
    .option('--port <port>', 'port to listen on (0 picks a free one)', integer(0, 65535), 8000)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--scenario <file-or-name>', 'scenario file or shipped scenario name', 'default')
    .option('--seed <n>', "override the scenario's seed", integer(0, 2 ** 32 - 1))
    .action(async (opts: { port: number; host: string; scenario: string; seed?: number }) => {
      try {
        const node = await startMockNode({ port: opts.port, host: opts.host, scenario: opts.scenario, seed: opts.seed });
        const s = node.scenario();
        process.stdout.write(`routstr-mock ${pkg.version}: scenario "${s.name}" (seed ${s.seed}, ${s.models.length} models) on ${node.url}\n`);
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
