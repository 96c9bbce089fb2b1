import { RE2JS } from 're2js';

/**
 * Scenario regexes (`/pattern/flags` in `when` fields), matched with re2js, a port of RE2: matching
 * takes time linear in the text, so no pattern can backtrack for hours before auth (issue 12). The
 * syntax is RE2's: no backreferences, no lookaround; flags `i`, `m`, `s` (and `u`, `g`, `d`, which
 * change nothing here). Pure: no HTTP.
 */

/** A compiled scenario regex. */
export interface ScenarioRegex {
  readonly source: string;
  test(text: string): boolean;
}

/**
 * Program instructions a pattern may compile to. Matching costs up to this many steps per
 * character, so with MAX_MATCHED_CHARS it bounds one test to a few tens of milliseconds;
 * `(.*a){200}` compiles to 1 002 and took 1.6 s on 64 K characters.
 */
export const MAX_REGEX_PROGRAM = 200;

/** Characters of a text a regex looks at (the first ones): linear time is still time on a 32 MB message. */
export const MAX_MATCHED_CHARS = 65_536;

/** `u` is RE2's way anyway, and `g` and `d` mean nothing to a yes/no test; `y` (sticky) has no RE2 equivalent. */
const FLAGS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0, g: 0, d: 0 };

/** Why a pattern cannot be used, for the loader's `file:line:col` problem. */
export class ScenarioRegexError extends Error {}

/** The RE2 program size, read from re2js's compiled program (not in its typings). */
function programSize(re: RE2JS): number {
  const prog = (re as unknown as { re2Input?: { prog?: { numInst?: () => number } } }).re2Input?.prog;
  return prog?.numInst?.() ?? 0;
}

/**
 * Patterns compiled lately: the loader checks each and the rule engine then uses it (~15 µs a
 * compile; a recording has thousands). Bounded, so loading scenario after scenario keeps no more.
 */
const compiled = new Map<string, ScenarioRegex | ScenarioRegexError | undefined>();
const MAX_COMPILED = 10_000;

/**
 * `/re/flags` compiled, undefined for any other string (compared as the field's kind says).
 * Throws ScenarioRegexError for a pattern RE2 cannot express or one too big to match quickly.
 */
export function parseRegex(spec: string): ScenarioRegex | undefined {
  let result = compiled.get(spec);
  if (result === undefined && !compiled.has(spec)) {
    result = compileRegex(spec);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(spec, result);
  }
  if (result instanceof ScenarioRegexError) throw result;
  return result;
}

function compileRegex(spec: string): ScenarioRegex | ScenarioRegexError | undefined {
  try {
    return compileOrThrow(spec);
  } catch (err) {
    if (err instanceof ScenarioRegexError) return err;
    throw err;
  }
}

function compileOrThrow(spec: string): ScenarioRegex | undefined {
  // The flags JavaScript knows, as before re2js: `/v1/chat/completions` stays a path, not a regex.
  const m = /^\/(.+)\/([dgimsuy]*)$/s.exec(spec);
  if (!m) return undefined;
  const [, pattern, flagText] = m as unknown as [string, string, string];
  let flags = 0;
  for (const flag of flagText) {
    const bit = FLAGS[flag];
    if (bit === undefined) throw new ScenarioRegexError(`unsupported flag "${flag}" (flags: i, m, s, u; anchor with ^ instead of y)`);
    flags |= bit;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, flags);
  } catch (err) {
    // RE2's own message names the construct (`\1`, `(?=`); say why it is refused.
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw new ScenarioRegexError(`${reason} (patterns use RE2 syntax, matched in linear time: no backreferences or lookaround)`);
  }
  const size = programSize(re);
  if (size > MAX_REGEX_PROGRAM) {
    throw new ScenarioRegexError(`pattern too big: it compiles to ${size} steps per character, at most ${MAX_REGEX_PROGRAM} (lower the {n} repeats)`);
  }
  return {
    source: spec,
    test: (text) => re.matcher(text.length > MAX_MATCHED_CHARS ? text.slice(0, MAX_MATCHED_CHARS) : text).find(),
  };
}
