/** A GitHub-flavoured Markdown summary, for $GITHUB_STEP_SUMMARY. */
import { appendFileSync } from 'node:fs';
import { redact } from '../redact.ts';
import { codeFence, escapeMarkdown } from './escape.ts';
import type { Report } from '../types.ts';
import { SYMBOLS, byArea, count, deadlineNote, runMs } from './common.ts';

/** Node text inside a table cell or a line: literal, on one line. */
function cell(s: string): string {
  return escapeMarkdown(s);
}

export function formatMarkdown(report: Report): string {
  const node = cell([report.node.name, report.node.version].filter(Boolean).join(' '));
  const lines = [`## routstr-mock check: ${cell(report.node.url)}${node ? ` (${node})` : ''}`, ''];
  if (report.unreachable) {
    lines.push(`**Node unreachable:** ${cell(report.unreachable.reason)}`, '');
    return redact(lines.join('\n'));
  }
  const s = report.summary;
  lines.push(
    `${s.fail + s.error === 0 ? '✅ all checks passed' : `❌ ${s.fail + s.error} check(s) failed`}: ${s.pass + s.info} passed, ${s.warn} warnings, ${s.skip} skipped in ${(runMs(report) / 1000).toFixed(1)} s; spent ${report.budget.spentMsats / 1000} of ${report.budget.maxSats} sats (SDK openai ${report.sdk.version})${deadlineNote(report)}.`,
    '',
    '| area | pass | fail | warn | skip | error |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const [area, results] of byArea(report)) {
    lines.push(
      `| ${area} | ${count(results, 'pass', 'info')} | ${count(results, 'fail')} | ${count(results, 'warn')} | ${count(results, 'skip')} | ${count(results, 'error')} |`,
    );
  }
  const notable = report.results.filter((r) => r.status !== 'pass');
  if (notable.length > 0) {
    lines.push('', '| | check | reason |', '| --- | --- | --- |');
    for (const r of notable) lines.push(`| ${SYMBOLS[r.status]} ${r.status} | \`${r.id}\` | ${cell(r.reason)} |`);
    const failed = notable.filter((r) => r.curl && (r.status === 'fail' || r.status === 'error'));
    if (failed.length > 0) {
      lines.push('', '<details><summary>Reproduce the failures</summary>', '');
      lines.push(
        ...codeFence(
          failed.flatMap((r) => [`# ${r.id}`, r.curl!]),
          'sh',
        ),
      );
      lines.push('', '</details>');
    }
  }
  lines.push('');
  return redact(lines.join('\n'));
}

/** Appends the summary to $GITHUB_STEP_SUMMARY when it is set; returns whether it wrote. */
export function writeStepSummary(report: Report, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  appendFileSync(file, formatMarkdown(report));
  return true;
}
