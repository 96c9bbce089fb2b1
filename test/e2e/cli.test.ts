import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/routstr-mock.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

/** Starts `serve` and resolves with its base URL once it prints it. */
function serve(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: ROOT });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /on (http:\/\/\S+\/v1)/.exec(out)?.[1];
      if (url) resolvePromise({ child, url });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

let running: ChildProcess | undefined;
afterEach(() => {
  running?.kill('SIGTERM');
  running = undefined;
});

describe('CLI', () => {
  it('--version prints the package version; --help lists the commands', () => {
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = run(['--help']).stdout;
    for (const cmd of ['serve', 'scenario']) expect(help).toContain(cmd);
    const serveHelp = run(['serve', '--help']).stdout;
    for (const flag of ['--port', '--host', '--scenario', '--seed']) expect(serveHelp).toContain(flag);
  });

  it('serve answers OpenAI requests with the seed given on the command line', async () => {
    const first = await serve(['--seed', '7']);
    running = first.child;
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: first.url });
    const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something' }] });
    const a = (await ask()).choices[0]!.message.content;
    first.child.kill('SIGTERM');
    const second = await serve(['--seed', '7']);
    running = second.child;
    const b = (
      await new OpenAI({ apiKey: 'sk-test', baseURL: second.url }).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say something' }],
      })
    ).choices[0]!.message.content;
    expect(b).toBe(a);
  });

  it('serve --scenario FILE uses the file; an invalid file is refused with file:line:col', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routstr-mock-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'version: 1\nextends: none\nmodels:\n  - id: only-model\n');
    const node = await serve(['--scenario', good]);
    running = node.child;
    const models = await new OpenAI({ apiKey: 'sk-test', baseURL: node.url }).models.list();
    expect(models.data.map((m) => m.id)).toEqual(['only-model']);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nstream:\n  ttft: 5\n');
    const refused = run(['serve', '--port', '0', '--scenario', bad]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`${bad}:3:3 unknown key "ttft"`);
  });

  it('scenario lint prints problems and exits 1; scenario schema prints JSON Schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routstr-mock-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nmodels:\n  - id: m\n    sats_per_million_tokens: { prompt: -1, completion: 1 }\n');
    const lint = run(['scenario', 'lint', bad, join(ROOT, 'scenarios/default.yaml')]);
    expect(lint.status).toBe(1);
    expect(lint.stdout.trim().split('\n')).toEqual([`${bad}:4:40 /models/0/sats_per_million_tokens/prompt must be >= 0`]);
    expect(run(['scenario', 'lint', join(ROOT, 'scenarios/default.yaml')]).status).toBe(0);
    const schema = JSON.parse(run(['scenario', 'schema']).stdout) as { title: string };
    expect(schema.title).toBe('routstr-mock scenario');
  });

  it('serve --watch reloads a changed file and keeps the old scenario when the new one is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routstr-mock-'));
    const file = join(dir, 'watched.yaml');
    writeFileSync(file, 'version: 1\nextends: none\nmodels:\n  - id: first-model\n');
    const node = await serve(['--scenario', file, '--watch']);
    running = node.child;
    let out = '';
    node.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const ids = async () => (await new OpenAI({ apiKey: 'sk-test', baseURL: node.url }).models.list()).data.map((m) => m.id);
    const waitFor = async (what: () => boolean | Promise<boolean>) => {
      for (let i = 0; i < 100 && !(await what()); i++) await new Promise((r) => setTimeout(r, 50));
    };
    expect(await ids()).toEqual(['first-model']);
    writeFileSync(file, 'version: 1\nextends: none\nmodels:\n  - id: second-model\n');
    await waitFor(async () => (await ids())[0] === 'second-model');
    expect(await ids()).toEqual(['second-model']);
    writeFileSync(file, 'version: 1\nextends: none\nmodels:\n  - id: third-model\n    colour: red\n');
    await waitFor(() => out.includes('not reloaded'));
    expect(out).toContain('scenario not reloaded, keeping the previous one');
    expect(out).toContain(`${file}:5:5 unknown key "colour"`);
    expect(await ids()).toEqual(['second-model']);
  });

  it('rejects a bad port with a usage error (exit 2)', () => {
    const r = run(['serve', '--port', 'eighty']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('expected an integer');
  });
});
