import type { Area, CheckResult, Report, Status } from '../types.ts';

export const SYMBOLS: Record<Status, string> = { pass: '✓', fail: '✗', error: '✗', warn: '!', info: 'i', skip: '-' };

/** Results grouped by area, areas in the order they first appear. */
export function byArea(report: Report): Map<Area, CheckResult[]> {
  const out = new Map<Area, CheckResult[]>();
  for (const r of report.results) {
    const list = out.get(r.area) ?? [];
    list.push(r);
    out.set(r.area, list);
  }
  return out;
}

export function count(results: readonly CheckResult[], ...statuses: Status[]): number {
  return results.filter((r) => statuses.includes(r.status)).length;
}

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

export function runMs(report: Report): number {
  return Math.max(0, Date.parse(report.finishedAt) - Date.parse(report.startedAt));
}

/** A clause for the summary line when the run's deadline cut it short, else ''. */
export function deadlineNote(report: Report): string {
  return report.deadline?.reached ? `; stopped by the run's deadline of ${(report.deadline.ms / 1000).toFixed(1)} s (--deadline)` : '';
}
