/** Console output: one line per check as it finishes, then a summary table by area. */
import { redact } from '../redact.ts';
import { escapeControls as esc } from './escape.ts';
import type { CheckResult, Report } from '../types.ts';
import { SYMBOLS, byArea, count, deadlineNote, runMs } from './common.ts';

export function formatResultLine(r: CheckResult): string {
  const head = `${SYMBOLS[r.status]} ${esc(r.id).padEnd(28)} ${esc(r.title)} (${r.durationMs} ms)`;
  const lines = [head];
  if (r.status !== 'pass') lines.push(`    ${r.status}: ${esc(r.reason)}`);
  if ((r.status === 'fail' || r.status === 'error') && r.curl) lines.push(`    reproduce: ${esc(r.curl)}`);
  if (r.variant && r.status === 'pass') lines.push(`    ${esc(r.variant)}`);
  return redact(lines.join('\n'));
}

export function formatHeader(report: Pick<Report, 'node'>): string {
  return redact(`routstr-mock check ${esc(report.node.url)}`);
}

export function formatSummary(report: Report): string {
  if (report.unreachable) return redact(`✗ node unreachable: ${esc(report.unreachable.reason)}`);
  const rows: string[][] = [['area', 'pass', 'fail', 'warn', 'skip', 'error']];
  for (const [area, results] of byArea(report)) {
    rows.push(
      [area, count(results, 'pass', 'info'), count(results, 'fail'), count(results, 'warn'), count(results, 'skip'), count(results, 'error')].map(String),
    );
  }
  const s = report.summary;
  rows.push(['total', String(s.pass + s.info), String(s.fail), String(s.warn), String(s.skip), String(s.error)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const node = esc([report.node.name, report.node.version].filter(Boolean).join(' '));
  const lines = [
    '',
    fmt(rows[0]!),
    ...rows.slice(1, -1).map(fmt),
    widths.map((w) => '-'.repeat(w)).join('  '),
    fmt(rows[rows.length - 1]!),
    '',
    `${esc(report.node.url)}${node ? ` (${node})` : ''}: ${s.fail + s.error === 0 ? 'all checks passed' : `${s.fail + s.error} check(s) failed`} in ${(runMs(report) / 1000).toFixed(1)} s; spent ${report.budget.spentMsats / 1000} of ${report.budget.maxSats} sats${deadlineNote(report)}`,
  ];
  return redact(lines.join('\n'));
}
