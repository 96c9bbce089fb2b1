/**
 * Every runner check can fail: scenarios/broken/<check-id>.yaml is a mock node broken in one way,
 * and the runner must fail that check there and no other (beyond the ones a file names in an
 * `# also fails:` line, where one breakage honestly concerns several checks). Warn-severity checks
 * "fail" as warnings.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type MockNode, runConformance, startMockNode } from '../../src/index.ts';
import { ALL_CHECKS } from '../../src/conformance/checks/index.ts';
import type { Report } from '../../src/conformance/types.ts';
import { mintToken } from '../../src/payment/cashu.ts';

const DIR = new URL('../../scenarios/broken/', import.meta.url);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface BrokenScenario {
  file: string;
  target: string;
  alsoFails: string[];
}

function describeFile(file: string): BrokenScenario {
  const text = readFileSync(new URL(file, DIR), 'utf8');
  const also = /^# also fails: (.+)$/m.exec(text)?.[1] ?? '';
  return {
    file,
    target: file.replace(/(\.\d+)?\.yaml$/, ''),
    alsoFails: also
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

const scenarios = files.map(describeFile);
const severityOf = new Map(ALL_CHECKS.map((c) => [c.id, c.severity]));

async function checkAgainst(node: MockNode): Promise<Report> {
  const info = (await (await fetch(`${node.url}/info`)).json()) as { mints: string[] };
  // A Cashu key runs everything: the x-cashu checks spend it, the rest of the run pays with the change.
  const key = mintToken({ amount: 20_000, unit: 'sat', mint: info.mints[0]! });
  return runConformance({ baseUrl: node.url, key, maxSats: 20_000, timeoutMs: 5_000, onRefundToken: () => {} });
}

function explain(report: Report): string {
  return report.results.map((r) => `${r.id}: ${r.status} — ${r.reason}`).join('\n');
}

describe('scenarios/broken/', () => {
  it('has a broken scenario for every check, and each names a real check', () => {
    const ids = ALL_CHECKS.map((c) => c.id);
    expect(ids.filter((id) => !scenarios.some((s) => s.target === id))).toEqual([]);
    for (const s of scenarios) {
      expect(ids, s.file).toContain(s.target);
      for (const also of s.alsoFails) expect(ids, `${s.file}: also fails ${also}`).toContain(also);
    }
  });

  it.each(scenarios.map((s) => [s.file, s] as const))('%s fails its check and no other', async (_file, scenario) => {
    const node = await startMockNode({ port: 0, scenario: new URL(scenario.file, DIR).pathname });
    try {
      const report = await checkAgainst(node);
      const byId = new Map(report.results.map((r) => [r.id, r]));
      const failing = severityOf.get(scenario.target) === 'warn' ? 'warn' : 'fail';
      expect(byId.get(scenario.target)?.status, explain(report)).toBe(failing);
      const allowed = new Set([scenario.target, ...scenario.alsoFails]);
      const collateral = report.results.filter((r) => !allowed.has(r.id) && (r.status === 'fail' || r.status === 'error')).map((r) => `${r.id}: ${r.reason}`);
      expect(collateral, explain(report)).toEqual([]);
    } finally {
      await node.close();
    }
  });
});
