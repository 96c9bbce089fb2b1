import { randomBytes } from 'node:crypto';
import { getDecodedToken as libDecode, getEncodedTokenV4 } from '@cashu/cashu-ts';
import { describe, expect, it } from 'vitest';
import { type CashuUnit, InvalidCashuTokenError, decodeToken, encodeToken, keysetId, mintToken, splitAmount, tokenHash } from '../../src/payment/cashu.ts';

/** cashu-ts 2.5.3's declarations resolve to `any` under NodeNext, so type what it returns here. */
const getDecodedToken = (token: string) => libDecode(token) as { mint: string; unit?: string; memo?: string; proofs: Array<{ amount: number }> };

const MINT = 'http://mint.mock.local';

const b64url = (text: string, padded = false) => {
  const s = Buffer.from(text, 'utf8').toString('base64url');
  return padded ? s.padEnd(Math.ceil(s.length / 4) * 4, '=') : s;
};

/** Python's json.dumps spacing, as routstr-core's `_create_fallback_token` produces it. */
const pyJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${fields.map(([k, v]) => `${JSON.stringify(k)}: ${pyJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
};

/** A token shaped like routstr-core's integration-test fixtures (cashuA + urlsafe base64 with padding). */
function routstrFixture(
  overrides: { unit?: string | null; proofs?: unknown[]; entries?: number; memo?: unknown } = {},
  encode = (s: string) => b64url(s, true),
) {
  const proofs = overrides.proofs ?? [
    {
      id: '009a1f293253e41e1a2b3c4d',
      amount: 100,
      secret: 'test-secret-100-0123456789abcdef',
      C: '02194603ffa36356f4a56b7df9371fc3192472351453ec7398b8da8117e7c3e104',
    },
  ];
  const entry = { mint: 'http://localhost:3338', proofs };
  const body: Record<string, unknown> = {
    token: Array.from({ length: overrides.entries ?? 1 }, (_, i) => (i === 0 ? entry : { ...entry, mint: `http://other-${i}:3338` })),
  };
  if (overrides.unit !== null) body.unit = overrides.unit ?? 'sat';
  body.memo = 'memo' in overrides ? overrides.memo : 'Test token 100 sats';
  return `cashuA${encode(pyJson(body))}`;
}

function expectInvalid(token: unknown, message?: RegExp) {
  let thrown: unknown;
  try {
    decodeToken(token as string);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `decodeToken(${String(token).slice(0, 60)}) should throw`).toBeInstanceOf(InvalidCashuTokenError);
  if (message) expect((thrown as Error).message).toMatch(message);
}

describe('mintToken / decodeToken round trips', () => {
  for (const format of ['A', 'B'] as const) {
    for (const unit of ['sat', 'msat'] as const) {
      it(`cashu${format} in ${unit}`, () => {
        const token = mintToken({ amount: 1000 + 13, unit, mint: MINT, format, memo: 'for the mock' });
        expect(token.startsWith(`cashu${format}`)).toBe(true);
        const d = decodeToken(token);
        expect(d).toMatchObject({ mint: MINT, unit, format, memo: 'for the mock' });
        expect(d.amountMsats).toBe(unit === 'sat' ? 1_013_000 : 1013);
        expect(d.proofs.map((p) => p.amount)).toEqual(splitAmount(1013));
        for (const p of d.proofs) {
          expect(p.id).toBe(keysetId(MINT, unit));
          expect(p.id).toMatch(/^00[0-9a-f]{14}$/);
          expect(p.secret).toMatch(/^[0-9a-f]{64}$/);
          expect(p.C).toMatch(/^0[23][0-9a-f]{64}$/);
        }
        // cashu-ts reads what the mock mints, and encodeToken reproduces it byte for byte.
        const lib = getDecodedToken(token);
        expect(lib).toMatchObject({ mint: MINT, unit, memo: 'for the mock' });
        expect(lib.proofs.reduce((s, p) => s + p.amount, 0)).toBe(1013);
        const { format: _f, amountMsats: _a, ...plain } = d;
        expect(encodeToken(plain, format)).toBe(token);
        // And the other format carries the same token.
        const other = format === 'A' ? 'B' : 'A';
        expect(decodeToken(encodeToken(plain, other))).toEqual({ ...d, format: other });
      });
    }
  }

  it('defaults to sat and cashuB; no memo unless given', () => {
    const d = decodeToken(mintToken({ amount: 21, mint: MINT }));
    expect(d).toMatchObject({ unit: 'sat', format: 'B', amountMsats: 21_000 });
    expect(d.memo).toBeUndefined();
  });

  it('keyset ids depend on mint and unit only', () => {
    expect(keysetId(MINT, 'sat')).toBe(keysetId(MINT, 'sat'));
    expect(keysetId(MINT, 'sat')).not.toBe(keysetId(MINT, 'msat'));
    expect(keysetId(MINT, 'sat')).not.toBe(keysetId('https://other.mint', 'sat'));
  });

  it('amountMsats is sat × 1000 or msat × 1', () => {
    expect(decodeToken(mintToken({ amount: 1, mint: MINT })).amountMsats).toBe(1000);
    expect(decodeToken(mintToken({ amount: 1, unit: 'msat', mint: MINT })).amountMsats).toBe(1);
    expect(decodeToken(mintToken({ amount: 2 ** 40, mint: MINT, format: 'A' })).amountMsats).toBe(2 ** 40 * 1000);
  });

  it('mints up to 2^40 in both formats (cashuB proofs stay below 2^32)', () => {
    const a = decodeToken(mintToken({ amount: 2 ** 40, mint: MINT, format: 'A' }));
    expect(a.proofs.map((p) => p.amount)).toEqual([2 ** 40]);
    const b = decodeToken(mintToken({ amount: 2 ** 40 + 0, unit: 'msat', mint: MINT, format: 'B' }));
    expect(b.amountMsats).toBe(2 ** 40);
    expect(Math.max(...b.proofs.map((p) => p.amount))).toBe(2 ** 31);
    expect(decodeToken(mintToken({ amount: 2 ** 32 + 3, unit: 'msat', mint: MINT })).amountMsats).toBe(2 ** 32 + 3);
  });

  it('rejects amounts that are not integers from 1 to 2^40 with RangeError', () => {
    for (const amount of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 40 + 1]) {
      expect(() => mintToken({ amount, mint: MINT }), String(amount)).toThrow(RangeError);
    }
  });

  it('two minted tokens never share a secret', () => {
    const secrets = new Set<string>();
    let count = 0;
    for (let i = 0; i < 300; i++) {
      for (const p of decodeToken(mintToken({ amount: 255, mint: MINT, format: i % 2 ? 'A' : 'B' })).proofs) {
        secrets.add(p.secret);
        count++;
      }
    }
    expect(count).toBe(300 * 8);
    expect(secrets.size).toBe(count);
    expect(mintToken({ amount: 5, mint: MINT })).not.toBe(mintToken({ amount: 5, mint: MINT }));
  });
});

describe('splitAmount', () => {
  it('splits into powers of two, largest first', () => {
    expect(splitAmount(13)).toEqual([8, 4, 1]);
    expect(splitAmount(1)).toEqual([1]);
    expect(splitAmount(64)).toEqual([64]);
    expect(splitAmount(0)).toEqual([]);
    expect(splitAmount(2 ** 40)).toEqual([2 ** 40]);
    const big = splitAmount(2 ** 40 - 1);
    expect(big).toHaveLength(40);
    expect(big[0]).toBe(2 ** 39);
    expect(big.reduce((s, a) => s + a, 0)).toBe(2 ** 40 - 1);
  });

  it('rejects negative and fractional amounts', () => {
    expect(() => splitAmount(-1)).toThrow(RangeError);
    expect(() => splitAmount(2.5)).toThrow(RangeError);
  });
});

describe("routstr-core's fixture tokens", () => {
  it('accepts a token made by Python exactly as _create_fallback_token does (json.dumps + urlsafe_b64encode)', () => {
    const fromPython =
      'cashuAeyJ0b2tlbiI6IFt7Im1pbnQiOiAiaHR0cDovL2xvY2FsaG9zdDozMzM4IiwgInByb29mcyI6IFt7ImlkIjogIjAwOWExZjI5MzI1M2U0MWUxYTJiM2M0ZCIsICJhbW91bnQiOiAxMDAwLCAic2VjcmV0IjogInRlc3Qtc2VjcmV0LTEwMDAtMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYiLCAiQyI6ICIwMjE5NDYwM2ZmYTM2MzU2ZjRhNTZiN2RmOTM3MWZjMzE5MjQ3MjM1MTQ1M2VjNzM5OGI4ZGE4MTE3ZTdjM2UxMDQifV19XSwgInVuaXQiOiAic2F0IiwgIm1lbW8iOiAiVGVzdCB0b2tlbiAxMDAwIHNhdHMifQ==';
    expect(decodeToken(fromPython)).toEqual({
      mint: 'http://localhost:3338',
      unit: 'sat',
      format: 'A',
      memo: 'Test token 1000 sats',
      amountMsats: 1_000_000,
      proofs: [
        {
          id: '009a1f293253e41e1a2b3c4d',
          amount: 1000,
          secret: 'test-secret-1000-0123456789abcdef0123456789abcdef',
          C: '02194603ffa36356f4a56b7df9371fc3192472351453ec7398b8da8117e7c3e104',
        },
      ],
    });
  });

  it('accepts the same shape built here', () => {
    const token = routstrFixture();
    expect(decodeToken(token)).toEqual({
      mint: 'http://localhost:3338',
      unit: 'sat',
      format: 'A',
      memo: 'Test token 100 sats',
      amountMsats: 100_000,
      proofs: [
        {
          id: '009a1f293253e41e1a2b3c4d',
          amount: 100,
          secret: 'test-secret-100-0123456789abcdef',
          C: '02194603ffa36356f4a56b7df9371fc3192472351453ec7398b8da8117e7c3e104',
        },
      ],
    });
  });

  it('defaults a missing unit to sat; accepts unpadded and standard base64', () => {
    expect(decodeToken(routstrFixture({ unit: null })).unit).toBe('sat');
    expect(decodeToken(routstrFixture({}, (s) => b64url(s))).amountMsats).toBe(100_000);
    // A memo whose base64 has '+' and '/' in it, so standard and url-safe alphabets differ.
    const memo = '>>>???~~~';
    const std = routstrFixture({ memo }, (s) => Buffer.from(s, 'utf8').toString('base64'));
    expect(std).toMatch(/[+/]/);
    expect(decodeToken(std).memo).toBe(memo);
    expect(decodeToken(routstrFixture({ memo: null })).memo).toBeUndefined();
  });

  it('tokenHash is the sha256 hex Routstr keys accounts by', () => {
    expect(tokenHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const token = routstrFixture();
    expect(tokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('decodeToken rejects anything that is not a usable token', () => {
  const proof = { id: '009a1f293253e41e', amount: 8, secret: 'a'.repeat(64), C: `02${'b'.repeat(64)}` };

  it.each([
    ['', /empty/],
    ['cashu', /version/],
    ['cashuA', /empty payload/],
    ['cashuB', /empty payload/],
    ['cashuAgarbage!!', /base64/],
    ['cashuC' + b64url('{}'), /version "cashuC"/],
    ['sk-0123', /cashuA/],
    ['Bearer cashuA', /cashuA/],
    ['cashuA' + b64url('not json'), /JSON/],
    ['cashuA' + b64url('null'), /V3/],
    ['cashuA' + b64url('{"token":[]}'), /V3|mint/],
    ['cashuA' + b64url('{"tokens":[]}'), /V3/],
    ['cashuA=abc', /base64/],
    ['cashuAe', /truncated/],
  ])('%j', (token, message) => expectInvalid(token, message));

  it('rejects V3 tokens with bad proofs, units or several mints', () => {
    expectInvalid(routstrFixture({ proofs: [] }), /no proofs/);
    expectInvalid(routstrFixture({ proofs: [{ ...proof, amount: -1 }] }), /positive integer/);
    expectInvalid(routstrFixture({ proofs: [{ ...proof, amount: 1.5 }] }), /positive integer/);
    expectInvalid(routstrFixture({ proofs: [{ ...proof, amount: 0 }] }), /positive integer/);
    expectInvalid(routstrFixture({ proofs: [{ ...proof, amount: '8' }] }), /positive integer/);
    expectInvalid(routstrFixture({ proofs: [{ ...proof, amount: 2 ** 60 }] }), /too large/);
    expectInvalid(routstrFixture({ proofs: [{ ...proof, secret: undefined }] }), /secret/);
    expectInvalid(routstrFixture({ proofs: [{ ...proof, C: '' }] }), /\.C/);
    expectInvalid(routstrFixture({ proofs: [proof, 'x'] }), /proofs\[1\]/);
    expectInvalid(routstrFixture({ unit: 'usd' }), /unsupported unit "usd"/);
    expectInvalid(routstrFixture({ unit: 'SAT' }), /unsupported unit/);
    expectInvalid(routstrFixture({ memo: 42 }), /memo/);
    expectInvalid(routstrFixture({ entries: 2 }), /several mint/);
    expectInvalid(`cashuA${b64url('{"token":[{"proofs":[]}]}')}`, /mint/);
  });

  it('rejects V4 tokens with an unsupported unit or amounts cashu-ts mangles', () => {
    expectInvalid(getEncodedTokenV4({ mint: MINT, unit: 'usd', proofs: [proof] }), /unsupported unit "usd"/);
    // cashu-ts 2.5.3 writes -1 as the CBOR "break" byte; the result must still be refused cleanly.
    expectInvalid(getEncodedTokenV4({ mint: MINT, unit: 'sat', proofs: [{ ...proof, amount: -1 }] }));
    expectInvalid(getEncodedTokenV4({ mint: '', unit: 'sat', proofs: [proof] }), /mint/);
  });

  it('rejects cashuB + random base64 and every truncation of valid tokens, always with InvalidCashuTokenError', () => {
    for (let i = 0; i < 500; i++) expectInvalid(`cashuB${randomBytes(1 + (i % 120)).toString(i % 2 ? 'base64' : 'base64url')}`);
    for (const format of ['A', 'B'] as const) {
      const token = mintToken({ amount: 77, mint: MINT, format, memo: 'm' });
      for (let n = 0; n < token.length - 1; n++) {
        const cut = token.slice(0, n);
        try {
          decodeToken(cut);
        } catch (err) {
          expect(err, cut).toBeInstanceOf(InvalidCashuTokenError);
        }
      }
    }
  });

  it('rejects non-strings', () => {
    for (const value of [undefined, null, 42, {}, ['cashuA']]) expectInvalid(value);
  });
});

describe('encodeToken', () => {
  const proof = { id: '009a1f293253e41e', amount: 8, secret: 'a'.repeat(64), C: `02${'b'.repeat(64)}` };

  it('refuses tokens decodeToken would refuse instead of letting cashu-ts corrupt them', () => {
    const bad: Array<[{ mint: string; unit: CashuUnit; proofs: (typeof proof)[] }, 'A' | 'B']> = [
      [{ mint: MINT, unit: 'sat', proofs: [] }, 'A'],
      [{ mint: MINT, unit: 'sat', proofs: [{ ...proof, amount: -1 }] }, 'B'],
      [{ mint: MINT, unit: 'sat', proofs: [{ ...proof, amount: 1.5 }] }, 'B'],
      [{ mint: MINT, unit: 'usd' as CashuUnit, proofs: [proof] }, 'A'],
      [{ mint: MINT, unit: 'sat', proofs: [{ ...proof, id: 'I2yN+iRYfkzT' }] }, 'B'],
      [{ mint: MINT, unit: 'sat', proofs: [{ ...proof, C: 'zz' }] }, 'B'],
      [{ mint: MINT, unit: 'sat', proofs: [{ ...proof, amount: 2 ** 32 }] }, 'B'],
      [{ mint: MINT, unit: 'sat', proofs: [proof] }, 'C' as 'A'],
    ];
    for (const [token, format] of bad) expect(() => encodeToken(token, format), JSON.stringify(token.proofs[0])).toThrow(InvalidCashuTokenError);
  });

  it('keeps non-hex keyset ids in cashuA, as V3 allows', () => {
    const token = encodeToken({ mint: MINT, unit: 'sat', proofs: [{ ...proof, id: 'I2yN+iRYfkzT' }] }, 'A');
    expect(decodeToken(token).proofs[0]!.id).toBe('I2yN+iRYfkzT');
  });
});
