import type { Rng } from '../random.ts';
import { isMultipleOf } from './check.ts';
import { DEFAULT_INTEGER_PROFILE, DEFAULT_NUMBER_PROFILE, type NumberProfile } from './names.ts';
import { type SchemaObject, finiteNumber } from './schema-util.ts';

/**
 * Numbers inside `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum` and on the `multipleOf`
 * grid, drawn from a realistic range for the property name when the bounds leave room.
 */

interface Bounds {
  lo: number;
  hi: number;
  loExclusive: boolean;
  hiExclusive: boolean;
}

/** Keeps unbounded draws and grid indexes well inside exact double integers. */
const SAFE_LIMIT = 1e15;
const GRID_ATTEMPTS = 24;

export function generateNumber(s: SchemaObject, wantInteger: boolean, profile: NumberProfile | undefined, rng: Rng): number {
  const integer = wantInteger || s.format === 'int32' || s.format === 'int64';
  const bounds = readBounds(s);
  const step = finiteNumber(s.multipleOf);
  const realistic = profile ?? (integer ? DEFAULT_INTEGER_PROFILE : DEFAULT_NUMBER_PROFILE);
  const target = preferredRange(bounds, realistic);
  const declaredStep = step !== undefined && step > 0 ? step : undefined;
  if (integer) return onGrid(bounds, target, integerStep(declaredStep), declaredStep, rng) ?? fallbackNumber(bounds);
  if (declaredStep) return onGrid(bounds, target, declaredStep, declaredStep, rng) ?? fallbackNumber(bounds);
  return continuous(bounds, target, realistic.decimals, rng);
}

function readBounds(s: SchemaObject): Bounds {
  const b: Bounds = { lo: -SAFE_LIMIT, hi: SAFE_LIMIT, loExclusive: false, hiExclusive: false };
  const minimum = finiteNumber(s.minimum);
  const maximum = finiteNumber(s.maximum);
  const exMin = finiteNumber(s.exclusiveMinimum);
  const exMax = finiteNumber(s.exclusiveMaximum);
  if (minimum !== undefined && minimum > b.lo) b.lo = minimum;
  if (exMin !== undefined && exMin >= b.lo) Object.assign(b, { lo: exMin, loExclusive: true });
  if (maximum !== undefined && maximum < b.hi) b.hi = maximum;
  if (exMax !== undefined && exMax <= b.hi) Object.assign(b, { hi: exMax, hiExclusive: true });
  if (s.format === 'int32') {
    b.lo = Math.max(b.lo, -(2 ** 31));
    b.hi = Math.min(b.hi, 2 ** 31 - 1);
  }
  return b;
}

function inBounds(v: number, b: Bounds): boolean {
  if (!Number.isFinite(v)) return false;
  const aboveLo = b.loExclusive ? v > b.lo : v >= b.lo;
  const belowHi = b.hiExclusive ? v < b.hi : v <= b.hi;
  return aboveLo && belowHi;
}

/** The realistic range clipped to the bounds, or a window at the edge of the bounds when they miss it. */
function preferredRange(b: Bounds, p: NumberProfile): [number, number] {
  const lo = Math.max(b.lo, p.min);
  const hi = Math.min(b.hi, p.max);
  if (lo <= hi) return [lo, hi];
  const width = Math.max(p.max - p.min, 10);
  if (b.lo > p.max) return [b.lo, Math.min(b.hi, b.lo + width)];
  return [Math.max(b.lo, b.hi - width), b.hi];
}

/** The smallest positive integer that is a multiple of `step` (1 without a usable step). */
function integerStep(step: number | undefined): number {
  if (step === undefined || step <= 0) return 1;
  if (Number.isInteger(step)) return step;
  for (let t = 2; t <= 1000; t++) {
    const candidate = Math.round(step * t);
    if (Math.abs(candidate - step * t) < 1e-9 && isMultipleOf(candidate, step)) return candidate;
  }
  return 1;
}

/** A value k·step inside the bounds and, when possible, inside the realistic target range. */
function onGrid(b: Bounds, target: [number, number], step: number, declaredStep: number | undefined, rng: Rng): number | undefined {
  let kLo = Math.ceil(b.lo / step);
  let kHi = Math.floor(b.hi / step);
  if (b.loExclusive && kLo * step <= b.lo) kLo++;
  if (b.hiExclusive && kHi * step >= b.hi) kHi--;
  const valid = (v: number) => inBounds(v, b) && isMultipleOf(v, step) && (!declaredStep || isMultipleOf(v, declaredStep));
  const tLo = Math.max(kLo, Math.ceil(target[0] / step));
  const tHi = Math.min(kHi, Math.floor(target[1] / step));
  const [from, to] = tLo <= tHi ? [tLo, tHi] : [kLo, kHi];
  if (from > to) return undefined;
  for (let i = 0; i < GRID_ATTEMPTS; i++) {
    const k = i === GRID_ATTEMPTS - 1 ? from : rng.int(from, Math.min(to, from + 1e9));
    const value = tidy(k * step, step);
    if (valid(value)) return value;
  }
  return inBounds(0, b) ? 0 : undefined;
}

/** Removes float noise (0.1 * 3 = 0.30000000000000004) by rounding to the step's decimals. */
function tidy(value: number, step: number): number {
  const decimals = decimalPlaces(step);
  const rounded = decimals > 0 && decimals < 16 ? Number(value.toFixed(decimals)) : value;
  return rounded === 0 ? 0 : rounded;
}

function decimalPlaces(n: number): number {
  const text = String(n);
  const exp = /e-(\d+)$/.exec(text);
  if (exp) return Number(exp[1]) + (text.split('e')[0]?.split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

function continuous(b: Bounds, target: [number, number], decimals: number, rng: Rng): number {
  const raw = target[0] + rng.next() * (target[1] - target[0]);
  const factor = 10 ** decimals;
  const candidates = [Math.round(raw * factor) / factor, raw, midpoint(b)];
  for (const value of candidates) {
    if (inBounds(value, b)) return value === 0 ? 0 : value;
  }
  return fallbackNumber(b);
}

function midpoint(b: Bounds): number {
  return b.lo + (b.hi - b.lo) / 2;
}

/** Bounds that admit no value: return something at the edge rather than throw. */
function fallbackNumber(b: Bounds): number {
  if (inBounds(midpoint(b), b)) return midpoint(b);
  return Number.isFinite(b.lo) ? b.lo : 0;
}
