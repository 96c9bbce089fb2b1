import { isIPv4, isIPv6 } from 'node:net';
import { compilePattern } from './regex.ts';
import { resolveRef } from './refs.ts';
import { canonicalKey, codePointLength, declaredTypes, deepEqual, finiteNumber, isPlainObject, nonNegativeInt, stringList, typeAllows } from './schema-util.ts';

/**
 * A small interpreting validator. The generator builds values to fit a schema by construction; this
 * is the safety net for what construction cannot guarantee (oneOf exclusivity, `not`, two patterns,
 * enum members that break sibling keywords), so it must agree with standard validators on the
 * keywords it checks. Keywords it does not know pass.
 */
export function matchesSchema(schema: unknown, value: unknown, root: unknown): boolean {
  return check(schema, value, root, 0);
}

/** Stops `$ref` cycles that never descend into the value, e.g. `{"$ref": "#"}` at the root. */
const MAX_DEPTH = 200;

function check(schema: unknown, value: unknown, root: unknown, depth: number): boolean {
  if (schema === true || schema === undefined) return true;
  if (schema === false) return false;
  if (!isPlainObject(schema) || depth > MAX_DEPTH) return true;
  return (
    checkRef(schema, value, root, depth) &&
    checkGeneric(schema, value) &&
    checkComposition(schema, value, root, depth) &&
    checkNumber(schema, value) &&
    checkString(schema, value) &&
    checkArray(schema, value, root, depth) &&
    checkObject(schema, value, root, depth)
  );
}

function checkRef(schema: Record<string, unknown>, value: unknown, root: unknown, depth: number): boolean {
  if (typeof schema.$ref !== 'string') return true;
  const target = resolveRef(root, schema.$ref);
  return target === undefined || check(target, value, root, depth + 1);
}

function checkGeneric(schema: Record<string, unknown>, value: unknown): boolean {
  const types = declaredTypes(schema);
  if (types && !typeAllows(types, value)) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => deepEqual(option, value))) return false;
  if ('const' in schema && !deepEqual(schema.const, value)) return false;
  return true;
}

function checkComposition(schema: Record<string, unknown>, value: unknown, root: unknown, depth: number): boolean {
  const next = depth + 1;
  if (Array.isArray(schema.allOf) && !schema.allOf.every((s) => check(s, value, root, next))) return false;
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => check(s, value, root, next))) return false;
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter((s) => check(s, value, root, next)).length !== 1) return false;
  if ('not' in schema && check(schema.not, value, root, next)) return false;
  if ('if' in schema) {
    const branch = check(schema.if, value, root, next) ? schema.then : schema.else;
    if (!check(branch, value, root, next)) return false;
  }
  return true;
}

function checkNumber(schema: Record<string, unknown>, value: unknown): boolean {
  if (typeof value !== 'number') return true;
  const min = finiteNumber(schema.minimum);
  const max = finiteNumber(schema.maximum);
  const exMin = schema.exclusiveMinimum;
  const exMax = schema.exclusiveMaximum;
  if (min !== undefined && (exMin === true ? value <= min : value < min)) return false;
  if (max !== undefined && (exMax === true ? value >= max : value > max)) return false;
  if (typeof exMin === 'number' && value <= exMin) return false;
  if (typeof exMax === 'number' && value >= exMax) return false;
  const step = finiteNumber(schema.multipleOf);
  if (step !== undefined && step > 0 && !isMultipleOf(value, step)) return false;
  if (schema.format === 'int32') return Number.isInteger(value) && value >= -(2 ** 31) && value <= 2 ** 31 - 1;
  if (schema.format === 'int64') return Number.isInteger(value);
  return true;
}

/** The quotient test common validators use (so 0.3 is not a multiple of 0.1 in floating point). */
export function isMultipleOf(value: number, step: number): boolean {
  return Number.isInteger(value / step);
}

function checkString(schema: Record<string, unknown>, value: unknown): boolean {
  if (typeof value !== 'string') return true;
  const minLength = nonNegativeInt(schema.minLength);
  const maxLength = nonNegativeInt(schema.maxLength);
  if (minLength !== undefined || maxLength !== undefined) {
    const length = codePointLength(value);
    if (minLength !== undefined && length < minLength) return false;
    if (maxLength !== undefined && length > maxLength) return false;
  }
  if (typeof schema.pattern === 'string') {
    const re = compilePattern(schema.pattern);
    if (re && !re.test(value)) return false;
  }
  return typeof schema.format !== 'string' || matchesFormat(schema.format, value);
}

function checkArray(schema: Record<string, unknown>, value: unknown, root: unknown, depth: number): boolean {
  if (!Array.isArray(value)) return true;
  const next = depth + 1;
  const minItems = nonNegativeInt(schema.minItems);
  const maxItems = nonNegativeInt(schema.maxItems);
  if (minItems !== undefined && value.length < minItems) return false;
  if (maxItems !== undefined && value.length > maxItems) return false;
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
  const rest = Array.isArray(schema.prefixItems) || !Array.isArray(schema.items) ? schema.items : schema.additionalItems;
  for (let i = 0; i < value.length; i++) {
    const itemSchema = i < prefix.length ? prefix[i] : rest;
    if (!check(itemSchema, value[i], root, next)) return false;
  }
  if (schema.uniqueItems === true && new Set(value.map(canonicalKey)).size !== value.length) return false;
  return checkContains(schema, value, root, next);
}

function checkContains(schema: Record<string, unknown>, value: unknown[], root: unknown, depth: number): boolean {
  if (!('contains' in schema)) return true;
  const count = value.filter((item) => check(schema.contains, item, root, depth)).length;
  const min = nonNegativeInt(schema.minContains) ?? 1;
  const max = nonNegativeInt(schema.maxContains);
  return count >= min && (max === undefined || count <= max);
}

function checkObject(schema: Record<string, unknown>, value: unknown, root: unknown, depth: number): boolean {
  if (!isPlainObject(value)) return true;
  const next = depth + 1;
  const keys = Object.keys(value);
  const minProps = nonNegativeInt(schema.minProperties);
  const maxProps = nonNegativeInt(schema.maxProperties);
  if (minProps !== undefined && keys.length < minProps) return false;
  if (maxProps !== undefined && keys.length > maxProps) return false;
  if (!stringList(schema.required).every((k) => Object.hasOwn(value, k))) return false;
  if (!checkDependentRequired(schema, value)) return false;
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const patterns = patternEntries(schema.patternProperties);
  for (const key of keys) {
    if ('propertyNames' in schema && !check(schema.propertyNames, key, root, next)) return false;
    let matched = Object.hasOwn(properties, key);
    if (matched && !check(properties[key], value[key], root, next)) return false;
    for (const { re, schema: sub } of patterns) {
      if (!re.test(key)) continue;
      matched = true;
      if (!check(sub, value[key], root, next)) return false;
    }
    if (!matched && 'additionalProperties' in schema && !check(schema.additionalProperties, value[key], root, next)) {
      return false;
    }
  }
  return true;
}

function checkDependentRequired(schema: Record<string, unknown>, value: Record<string, unknown>): boolean {
  const deps = isPlainObject(schema.dependentRequired) ? schema.dependentRequired : {};
  const legacy = isPlainObject(schema.dependencies) ? schema.dependencies : {};
  for (const source of [deps, legacy]) {
    for (const [trigger, needed] of Object.entries(source)) {
      if (Object.hasOwn(value, trigger) && !stringList(needed).every((k) => Object.hasOwn(value, k))) return false;
    }
  }
  return true;
}

export interface PatternProperty {
  source: string;
  re: RegExp;
  schema: unknown;
}

export function patternEntries(patternProperties: unknown): PatternProperty[] {
  if (!isPlainObject(patternProperties)) return [];
  const out: PatternProperty[] = [];
  for (const [source, schema] of Object.entries(patternProperties)) {
    const re = compilePattern(source);
    if (re) out.push({ source, re, schema });
  }
  return out;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(z|[+-]([01]\d|2[0-3]):?[0-5]\d)$/i;

const FORMAT_CHECKS: Record<string, (s: string) => boolean> = {
  date: isDate,
  time: (s) => TIME.test(s),
  'date-time': (s) => {
    const parts = s.split(/t|\s/i);
    return parts.length === 2 && isDate(parts[0] ?? '') && TIME.test(parts[1] ?? '');
  },
  email: (s) => /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(s),
  hostname: (s) => /^(?=.{1,253}\.?$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(s),
  ipv4: (s) => isIPv4(s),
  ipv6: (s) => isIPv6(s),
  uuid: (s) => /^(urn:uuid:)?[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(s),
  uri: (s) => /^[a-z][a-z0-9+\-.]*:[^\s]*$/i.test(s),
  url: (s) => /^(https?|ftp):\/\/[^\s/$.?#][^\s]*$/i.test(s),
  duration: (s) => /^P(?!$)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)$/.test(s),
  regex: (s) => compilePattern(s) !== null,
};

export function matchesFormat(format: string, value: string): boolean {
  const test = FORMAT_CHECKS[format];
  return test ? test(value) : true;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= days;
}
