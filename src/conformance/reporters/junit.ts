/**
 * JUnit XML in the shape GitLab and the GitHub JUnit actions parse (conformance-anchors.md §4.2):
 * one testsuite per area, one testcase per check (classname = area, name = "id: title"), failure
 * text carrying the reason, expected/actual and the curl line; secrets redacted.
 */
import { redact } from '../redact.ts';
import type { CheckResult, Report } from '../types.ts';
import { byArea, count, runMs, seconds } from './common.ts';

/** Escapes text for XML and drops characters XML 1.0 cannot carry (garbage from a broken node). */
export function xmlEscape(s: string): string {
  return (
    redact(s)
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
      .replace(/[\uD800-\uDFFF]/g, (c, i: number, all: string) => {
        const code = c.charCodeAt(0);
        const next = all.charCodeAt(i + 1);
        const prev = all.charCodeAt(i - 1);
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) return c;
        if (code >= 0xdc00 && prev >= 0xd800 && prev <= 0xdbff) return c;
        return '\uFFFD';
      })
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function detail(r: CheckResult): string {
  return [
    r.reason,
    r.expected !== undefined ? `expected: ${r.expected}` : '',
    r.actual !== undefined ? `actual: ${r.actual}` : '',
    r.variant ? `variant: ${r.variant}` : '',
    r.curl ? `reproduce: ${r.curl}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function testcase(r: CheckResult): string {
  const open = `    <testcase classname="${xmlEscape(r.area)}" name="${xmlEscape(`${r.id}: ${r.title}`)}" time="${seconds(r.durationMs)}"`;
  switch (r.status) {
    case 'fail':
      return `${open}>\n      <failure message="${xmlEscape(r.reason)}" type="${xmlEscape(r.id)}">${xmlEscape(detail(r))}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error message="${xmlEscape(r.reason)}" type="${xmlEscape(r.id)}">${xmlEscape(detail(r))}</error>\n    </testcase>`;
    case 'skip':
      return `${open}>\n      <skipped message="${xmlEscape(r.reason)}">${xmlEscape(r.reason)}</skipped>\n    </testcase>`;
    case 'warn':
    case 'info':
      return `${open}>\n      <system-out>${xmlEscape(`${r.status}: ${detail(r)}`)}</system-out>\n    </testcase>`;
    default:
      return `${open}/>`;
  }
}

export function formatJunit(report: Report): string {
  const props = [
    ['node.url', report.node.url],
    ['node.name', report.node.name],
    ['node.version', report.node.version],
    ['sdk.version', `${report.sdk.name} ${report.sdk.version}`],
    ['budget.maxSats', String(report.budget.maxSats)],
    ['budget.spentMsats', String(report.budget.spentMsats)],
  ].filter((p): p is [string, string] => p[1] !== undefined);
  const properties = `    <properties>\n${props.map(([n, v]) => `      <property name="${xmlEscape(n)}" value="${xmlEscape(v)}"/>`).join('\n')}\n    </properties>`;
  const suites: string[] = [];
  let tests = 0;
  if (report.unreachable) {
    tests = 1;
    suites.push(
      `  <testsuite name="node" tests="1" failures="0" errors="1" skipped="0" time="${seconds(runMs(report))}">\n${properties}\n` +
        `    <testcase classname="node" name="node.reachable: the node answers" time="${seconds(runMs(report))}">\n` +
        `      <error message="${xmlEscape(report.unreachable.reason)}" type="node.reachable">${xmlEscape(report.unreachable.reason)}</error>\n    </testcase>\n  </testsuite>`,
    );
  }
  for (const [area, results] of byArea(report)) {
    tests += results.length;
    const time = results.reduce((t, r) => t + r.durationMs, 0);
    suites.push(
      `  <testsuite name="${xmlEscape(area)}" tests="${results.length}" failures="${count(results, 'fail')}" errors="${count(results, 'error')}" skipped="${count(results, 'skip')}" time="${seconds(time)}">\n` +
        `${properties}\n${results.map(testcase).join('\n')}\n  </testsuite>`,
    );
  }
  const s = report.summary;
  const errors = s.error + (report.unreachable ? 1 : 0);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="routstr-mock check" tests="${tests}" failures="${s.fail}" errors="${errors}" skipped="${s.skip}" time="${seconds(runMs(report))}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}
