import { invalidRequest } from '../node/errors.ts';

/**
 * Field checks shared by the request parsers. Each failure is the 400 an OpenAI upstream would
 * send: `invalid_request_error` naming the parameter, so the SDK raises BadRequestError.
 */

export type Body = Record<string, unknown>;

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function wrongType(param: string, expected: string, value: unknown) {
  return invalidRequest(`Invalid type for '${param}': expected ${expected}, but got ${describeType(value)}.`, param, 'invalid_type');
}

export function missing(param: string) {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

export function requireObjectBody(body: unknown): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest(`The request body must be a JSON object, but got ${describeType(body)}.`, null, 'invalid_request_body');
  }
  return body as Body;
}

export function optionalNumber(body: Body, param: string, min: number, max: number): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw wrongType(param, 'a number', v);
  if (v < min || v > max) {
    throw invalidRequest(`Invalid value for '${param}': ${v} is out of range; expected a number between ${min} and ${max}.`, param, 'invalid_value');
  }
  return v;
}

export function optionalInteger(body: Body, param: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(param, 'an integer', v);
  if (v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw invalidRequest(`Invalid value for '${param}': ${v}; expected an integer ${range}.`, param, 'invalid_value');
  }
  return v;
}

export function optionalBoolean(body: Body, param: string): boolean | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrongType(param, 'a boolean', v);
  return v;
}

export function optionalString(body: Body, param: string): string | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(param, 'a string', v);
  return v;
}

export function requiredString(body: Body, param: string): string {
  const v = optionalString(body, param);
  if (v === undefined) throw missing(param);
  return v;
}

export function optionalEnum<T extends string>(body: Body, param: string, allowed: readonly T[]): T | undefined {
  const v = optionalString(body, param);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw invalidRequest(`Invalid value for '${param}': '${v}'. Supported values are: ${allowed.map((a) => `'${a}'`).join(', ')}.`, param, 'invalid_value');
  }
  return v as T;
}

/** `stop`: a string or up to 4 strings, as OpenAI allows. */
export function stopSequences(body: Body): string[] {
  const v = body.stop;
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v ? [v] : [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw wrongType('stop', 'a string or an array of strings', v);
  if (v.length > 4)
    throw invalidRequest(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${v.length} instead.`,
      'stop',
      'array_above_max_length',
    );
  return (v as string[]).filter((s) => s.length > 0);
}
