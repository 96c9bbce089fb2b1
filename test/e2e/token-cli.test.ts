import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { getDecodedToken as libDecode } from '@cashu/cashu-ts';
import { describe, expect, it } from 'vitest';
import { decodeToken } from '../../src/payment/cashu.ts';
import { loadScenario } from '../../src/scenario/loader.ts';

/** cashu-ts 2.5.3's declarations resolve to `any` under NodeNext, so type what it returns here. */
const getDecodedToken = (token: string) => libDecode(token) as { mint: string; unit?: string; memo?: string; proofs: Array<{ amount: number }> };

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/routstr-mock.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

describe('routstr-mock token', () => {
  it('defaults to a cashuB sat token from the default scenario mint', () => {
    const r = run(['token', '--amount', '100']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const token = lines[0]!;
    const mint = loadScenario('default').node.mints[0];
    expect(decodeToken(token)).toMatchObject({ format: 'B', unit: 'sat', mint, amountMsats: 100_000 });
    expect(decodeToken(token).proofs.map((p) => p.amount)).toEqual([64, 32, 4]);
    // A wallet library reads it too.
    const lib = getDecodedToken(token);
    expect(lib.mint).toBe(mint);
    expect(lib.proofs.reduce((s, p) => s + p.amount, 0)).toBe(100);
  });

  it('honours --unit, --mint and --format', () => {
    const r = run(['token', '--amount', '2500', '--unit', 'msat', '--mint', 'https://mint.example.com', '--format', 'A']);
    expect(r.status).toBe(0);
    const token = r.stdout.trim();
    expect(token.startsWith('cashuA')).toBe(true);
    expect(decodeToken(token)).toMatchObject({ format: 'A', unit: 'msat', mint: 'https://mint.example.com', amountMsats: 2500 });
    expect(getDecodedToken(token).unit).toBe('msat');
    const b = run(['token', '--amount', '7', '--format', 'b']);
    expect(decodeToken(b.stdout.trim())).toMatchObject({ format: 'B', amountMsats: 7000 });
  });

  it('--help documents the options', () => {
    const r = run(['token', '--help']);
    expect(r.status).toBe(0);
    for (const flag of ['--amount', '--unit', '--mint', '--format']) expect(r.stdout).toContain(flag);
    expect(run(['--help']).stdout).toContain('token');
  });

  it.each([
    [['--amount', '0'], /--amount/],
    [['--amount', 'ten'], /--amount/],
    [['--amount', '5', '--unit', 'usd'], /--unit/],
    [['--amount', '5', '--format', 'C'], /--format/],
    [['--amount', '5', '--mint', 'not a url'], /--mint/],
    [[], /--amount/],
    [['--amount', '5', '--bogus'], /--bogus/],
    [['--amount', '5', 'extra'], /too many arguments/],
  ])('usage error %j exits 2 with one line on stderr', (args, message) => {
    const r = run(['token', ...args]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
