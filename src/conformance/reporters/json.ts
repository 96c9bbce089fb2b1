/** The JSON report: the Report object itself, redacted. */
import { redactDeep } from '../redact.ts';
import type { Report } from '../types.ts';

export function formatJson(report: Report): string {
  return `${JSON.stringify(redactDeep(report), null, 2)}\n`;
}
