import type { Transcript } from './transcript.ts';

/** The `srt` and `vtt` response formats of the transcription endpoints. */

/** SubRip: numbered cues, "00:00:01,000 --> 00:00:03,500", the text, a blank line. */
export function toSrt(t: Transcript): string {
  return t.segments.map((s, i) => `${i + 1}\n${timestamp(s.start, ',')} --> ${timestamp(s.end, ',')}\n${s.text.trim()}\n\n`).join('');
}

/** WebVTT: a "WEBVTT" header, then cues timed "00:00:01.000 --> 00:00:03.500". */
export function toVtt(t: Transcript): string {
  const cues = t.segments.map((s) => `${timestamp(s.start, '.')} --> ${timestamp(s.end, '.')}\n${s.text.trim()}\n\n`);
  return `WEBVTT\n\n${cues.join('')}`;
}

function timestamp(seconds: number, decimalMark: ',' | '.'): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor(totalMs / 60_000) % 60;
  const secs = Math.floor(totalMs / 1000) % 60;
  const ms = totalMs % 1000;
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(secs, 2)}${decimalMark}${pad(ms, 3)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
