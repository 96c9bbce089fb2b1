/**
 * Cashu tokens for the mock's fake mint. Pure: no HTTP, no state.
 *
 * The mock is its own mint, so proofs carry no valid signatures, but every token is a real,
 * spec-shaped NUT-00 token: `cashuA` (V3, base64url JSON) or `cashuB` (V4, base64url CBOR), encoded and
 * decoded with @cashu/cashu-ts so that wallets can read what the mock hands out and the mock reads
 * what wallets (and routstr-core's test fixtures) send.
 */
import { createHash, randomBytes } from 'node:crypto';
import { getDecodedToken, getEncodedToken, getEncodedTokenV4 } from '@cashu/cashu-ts';

export type CashuUnit = 'sat' | 'msat';

export interface Proof {
  id: string;
  amount: number;
  secret: string;
  C: string;
}

export interface DecodedToken {
  mint: string;
  unit: CashuUnit;
  proofs: Proof[];
  memo?: string;
  format: 'A' | 'B';
  /** total value in millisats: sat × 1000 or msat × 1 */
  amountMsats: number;
}

/** Garbage, wrong prefix, bad base64/JSON/CBOR, no proofs, non-positive or non-integer amounts, unsupported unit, several mints in one V3 token. The message says what is wrong. */
export class InvalidCashuTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidCashuTokenError';
  }
}

/** Largest amount `mintToken` issues. */
export const MAX_MINT_AMOUNT = 2 ** 40;

/**
 * cashu-ts 2.5.3's CBOR encoder writes integers below 2^32 only (larger ones throw, negative and
 * fractional ones are silently corrupted), so V4 tokens never carry a proof above this.
 */
const V4_MAX_PROOF_AMOUNT = 2 ** 31;

const UNITS: ReadonlySet<string> = new Set<CashuUnit>(['sat', 'msat']);
const BASE64_PAYLOAD = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * cashu-ts's token type. Its 2.5.3 declarations re-export model types with extension-less paths that
 * NodeNext resolution cannot follow, so the library's own `Token` type comes through as `any`.
 */
interface LibraryToken {
  mint: string;
  proofs: Proof[];
  unit?: string;
  memo?: string;
}

/** Decodes a `cashuA…` or `cashuB…` token; throws InvalidCashuTokenError (and nothing else) for anything that is not one. */
export function decodeToken(token: string): DecodedToken {
  if (typeof token !== 'string') throw new InvalidCashuTokenError(`a Cashu token must be a string, got ${token === null ? 'null' : typeof token}`);
  if (token.length === 0) throw new InvalidCashuTokenError('empty Cashu token');
  if (!token.startsWith('cashu')) throw new InvalidCashuTokenError('not a Cashu token: it must start with "cashuA" or "cashuB"');
  const version = token.charAt(5);
  if (version === '') throw new InvalidCashuTokenError('Cashu token has no version letter after "cashu" (expected cashuA or cashuB)');
  if (version !== 'A' && version !== 'B') {
    throw new InvalidCashuTokenError(`unsupported Cashu token version "cashu${version}": expected cashuA (V3) or cashuB (V4)`);
  }
  const payload = token.slice(6);
  const prefix = `cashu${version}`;
  if (payload.length === 0) throw new InvalidCashuTokenError(`${prefix} token has an empty payload`);
  if (!BASE64_PAYLOAD.test(payload)) {
    const at = payload.search(/[^A-Za-z0-9+/_=-]/);
    const what = at >= 0 ? `unexpected character ${JSON.stringify(payload.charAt(at))} at offset ${at + 6}` : 'misplaced "=" padding';
    throw new InvalidCashuTokenError(`${prefix} payload is not base64url: ${what}`);
  }
  if (payload.replace(/=+$/, '').length % 4 === 1) throw new InvalidCashuTokenError(`${prefix} payload is not base64url: truncated (length ${payload.length})`);

  let raw: unknown;
  try {
    raw = getDecodedToken(token) as unknown;
  } catch (err) {
    throw new InvalidCashuTokenError(describeLibraryError(version, err), { cause: err });
  }
  const decoded = checkToken(raw, version === 'A' ? 'cashuA token' : 'cashuB token');
  return { ...decoded, format: version };
}

/** Encodes a token as `cashuA…` (V3) or `cashuB…` (V4). Throws InvalidCashuTokenError if the token is not one `decodeToken` would accept. */
export function encodeToken(token: { mint: string; unit: CashuUnit; proofs: Proof[]; memo?: string }, format: 'A' | 'B'): string {
  if (format !== 'A' && format !== 'B') throw new InvalidCashuTokenError(`cannot encode: unknown token format ${JSON.stringify(format)} (expected "A" or "B")`);
  const checked = checkToken(token, 'cannot encode: token');
  const lib: LibraryToken = { mint: checked.mint, unit: checked.unit, proofs: checked.proofs };
  if (checked.memo !== undefined) lib.memo = checked.memo;
  if (format === 'A') return getEncodedToken(lib, { version: 3 });
  for (const [i, p] of checked.proofs.entries()) {
    if (!HEX.test(p.id)) throw new InvalidCashuTokenError(`cannot encode as cashuB: proofs[${i}].id ${JSON.stringify(p.id)} is not a hex keyset id`);
    if (!HEX.test(p.C)) throw new InvalidCashuTokenError(`cannot encode as cashuB: proofs[${i}].C is not hex`);
    if (p.amount >= 2 ** 32) throw new InvalidCashuTokenError(`cannot encode as cashuB: proofs[${i}].amount ${p.amount} is 2^32 or more`);
  }
  return getEncodedTokenV4(lib);
}

/** A fresh token of `amount` (in `unit`) from the fake mint: proofs split into powers of two, random 64-hex secrets (crypto.randomBytes), `C` a 33-byte compressed-point-looking hex ("02"/"03" + 64 hex), keyset `id` "00" + 14 hex derived deterministically from mint+unit. */
export function mintToken(options: { amount: number; unit?: CashuUnit; mint: string; format?: 'A' | 'B'; memo?: string }): string {
  const { amount, mint, memo } = options;
  const unit = options.unit ?? 'sat';
  const format = options.format ?? 'B';
  if (!Number.isInteger(amount) || amount <= 0 || amount > MAX_MINT_AMOUNT) {
    throw new RangeError(`token amount must be an integer from 1 to 2^40, got ${amount}`);
  }
  const id = keysetId(mint, unit);
  // V4 proofs stay below 2^32 (see V4_MAX_PROOF_AMOUNT): larger powers of two are issued as several 2^31 proofs.
  const amounts = format === 'B' ? splitAmount(amount).flatMap(capDenomination) : splitAmount(amount);
  const entropy = randomBytes(65 * amounts.length);
  const proofs = amounts.map((a, i): Proof => {
    const o = 65 * i;
    return {
      id,
      amount: a,
      secret: entropy.toString('hex', o, o + 32),
      C: (entropy[o + 32]! & 1 ? '03' : '02') + entropy.toString('hex', o + 33, o + 65),
    };
  });
  return encodeToken(memo === undefined ? { mint, unit, proofs } : { mint, unit, proofs, memo }, format);
}

/** sha256 hex of the token string (UTF-8): Routstr derives API keys as "sk-" + this. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The split of an amount into powers of two, largest first (what mints issue). */
export function splitAmount(amount: number): number[] {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`cannot split ${amount}: expected a non-negative integer`);
  // Bit operators are 32-bit in JS, so walk down from the largest power of two with plain arithmetic.
  let p = 1;
  while (p * 2 <= amount) p *= 2;
  const parts: number[] = [];
  for (let rest = amount; rest > 0; p /= 2) {
    if (p <= rest) {
      parts.push(p);
      rest -= p;
    }
  }
  return parts;
}

/** The fake mint's keyset id for a mint and unit: "00" + 14 hex, like NUT-02 ids. */
export function keysetId(mint: string, unit: CashuUnit): string {
  return `00${createHash('sha256').update(`routstr-mock keyset\u0000${mint}\u0000${unit}`, 'utf8').digest('hex').slice(0, 14)}`;
}

function capDenomination(amount: number): number[] {
  return amount <= V4_MAX_PROOF_AMOUNT ? [amount] : new Array<number>(amount / V4_MAX_PROOF_AMOUNT).fill(V4_MAX_PROOF_AMOUNT);
}

function describeLibraryError(version: 'A' | 'B', err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (version === 'A') {
    if (err instanceof SyntaxError) return `cashuA payload is not JSON: ${message}`;
    if (/multi entry/i.test(message)) return 'cashuA token holds several mint entries; only tokens from a single mint are supported';
    return `cashuA payload is not a V3 token ({"token":[{"mint","proofs"}],"unit"}): ${message}`;
  }
  return `cashuB payload is not a V4 token (CBOR {"m","u","t":[{"i","p"}]}): ${message}`;
}

/** Validates a decoded (or to-be-encoded) token and copies out exactly the fields the mock uses. */
function checkToken(raw: unknown, what: string): Omit<DecodedToken, 'format'> {
  if (raw === null || typeof raw !== 'object') throw new InvalidCashuTokenError(`${what} is not an object`);
  const t = raw as Record<string, unknown>;
  if (typeof t.mint !== 'string' || t.mint.length === 0) throw new InvalidCashuTokenError(`${what} has no mint URL`);
  const unit = t.unit ?? 'sat';
  if (typeof unit !== 'string' || !UNITS.has(unit)) {
    throw new InvalidCashuTokenError(`${what} has unsupported unit ${JSON.stringify(unit)}: expected "sat" or "msat"`);
  }
  if (t.memo !== undefined && t.memo !== null && typeof t.memo !== 'string') throw new InvalidCashuTokenError(`${what} has a memo that is not a string`);
  if (!Array.isArray(t.proofs)) throw new InvalidCashuTokenError(`${what} has no proofs list`);
  if (t.proofs.length === 0) throw new InvalidCashuTokenError(`${what} has no proofs`);
  const proofs: Proof[] = [];
  let total = 0;
  for (const [i, p] of (t.proofs as unknown[]).entries()) {
    if (p === null || typeof p !== 'object') throw new InvalidCashuTokenError(`${what}: proofs[${i}] is not an object`);
    const { id, amount, secret, C } = p as Record<string, unknown>;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) {
      throw new InvalidCashuTokenError(`${what}: proofs[${i}].amount must be a positive integer, got ${JSON.stringify(amount) ?? String(amount)}`);
    }
    if (!Number.isSafeInteger(amount)) throw new InvalidCashuTokenError(`${what}: proofs[${i}].amount ${amount} is too large`);
    for (const [field, value] of [
      ['id', id],
      ['secret', secret],
      ['C', C],
    ] as const) {
      if (typeof value !== 'string' || value.length === 0) throw new InvalidCashuTokenError(`${what}: proofs[${i}].${field} must be a non-empty string`);
    }
    proofs.push({ id: id as string, amount, secret: secret as string, C: C as string });
    total += amount;
  }
  const amountMsats = unit === 'sat' ? total * 1000 : total;
  if (!Number.isSafeInteger(amountMsats)) throw new InvalidCashuTokenError(`${what} is worth more than ${Number.MAX_SAFE_INTEGER} msat`);
  const out: Omit<DecodedToken, 'format'> = { mint: t.mint, unit: unit as CashuUnit, proofs, amountMsats };
  if (typeof t.memo === 'string' && t.memo.length > 0) out.memo = t.memo;
  return out;
}
