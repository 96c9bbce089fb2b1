import { describe, expect, it } from 'vitest';
import { runToEnd } from '../../src/generate/cooperative.ts';
import { Rng } from '../../src/generate/random.ts';
import { countChatPromptTokens, tokenizerFor } from '../../src/generate/tokens.ts';
import { planReply, writeReply } from '../../src/generate/text.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     \n\n\t.,;:!?\'"()[]{}-_/\\@#$%^&*+=<>|~`';
const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'ll", "'d", "'m", "'S", "'LL"];

function randomAscii(rng: Rng, length: number): string {
  let out = '';
  while (out.length < length) out += rng.chance(0.1) ? rng.pick(CONTRACTIONS) : ALPHABET[rng.int(0, ALPHABET.length - 1)];
  return out;
}

describe('BPE tokenizers', () => {
  for (const model of ['gpt-4o-mini', 'gpt-4']) {
    const tok = tokenizerFor(model);

    it(`${tok.name}: the fast ASCII split gives exactly the library's tokens (5,000 random texts)`, () => {
      const rng = new Rng(42);
      for (let i = 0; i < 5000; i++) {
        const text = randomAscii(rng, rng.int(0, 120));
        const expected = tok.encode(text);
        expect(tok.count(text), JSON.stringify(text)).toBe(expected.length);
        const pieces = tok.pieces(text);
        expect(pieces.join('')).toBe(text);
        expect(pieces.length).toBe(expected.length);
      }
    });

    it(`${tok.name}: text tokenized in segments gives the library's tokens one by one (generated and random text)`, () => {
      const rng = new Rng(7);
      const prompts = ['Hello! What is a good name for a cat?', 'Tell me a long story about a lighthouse', 'Explain how tides work', 'hi'];
      const texts: string[] = [];
      for (let i = 0; i < 400; i++) {
        const reply = new Rng(i);
        texts.push(writeReply(reply, planReply(reply, prompts[i % prompts.length]!)));
        texts.push(randomAscii(rng, rng.int(0, 300)));
      }
      // Runs too long to cache, and a long text of repeated segments.
      texts.push(`${'ab,'.repeat(150)} tail`, `x ${'y'.repeat(400)}  z`, 'Hello there, friend. '.repeat(300));
      // Twice: the second pass answers from the segment cache.
      for (let pass = 0; pass < 2; pass++) {
        for (const text of texts) {
          const expected = tok.encode(text).map((id) => tok.decode([id]));
          expect(tok.pieces(text), JSON.stringify(text)).toEqual(expected);
        }
      }
    });

    it(`${tok.name}: counting and cutting in steps gives what counting in one go does, wherever the steps fall`, () => {
      const rng = new Rng(11);
      const texts = [
        '',
        'short',
        randomAscii(rng, 8 * 1024),
        randomAscii(rng, 8 * 1024 + 1),
        randomAscii(rng, 50_000),
        // Spaces after spaces or line breaks do not end a segment: the cut has to look further.
        `${'word '.repeat(1637)}${' '.repeat(300)}\n${'  x'.repeat(3000)} end`,
        // No segment end at all past the first step: one long last part.
        `${'a '.repeat(4200)}${'ab,'.repeat(10_000)}`,
        'Größe und Übermaß, 日本語 🎉 '.repeat(800),
      ];
      for (const text of texts) {
        const steps = tok.piecesSteps(text);
        let pauses = 0;
        let step = steps.next();
        for (; !step.done; step = steps.next()) pauses++;
        expect(step.value, `${text.length} chars`).toEqual(tok.pieces(text));
        expect(runToEnd(tok.countSteps(text))).toBe(tok.count(text));
        expect(runToEnd(tok.countUncachedSteps(text))).toBe(tok.countUncached(text));
        if (text.length > 20_000 && text.includes('word')) expect(pauses).toBeGreaterThan(1);
      }
    });

    it(`${tok.name}: non-ASCII text uses the Unicode split and still matches`, () => {
      for (const text of [
        'Größe und Übermaß',
        '日本語のテキスト',
        'emoji 🎉🎉 party',
        'naïve café — déjà vu',
        'ﬁnal ligature',
        'a\u00a0 b\u3000 c ü d. 🎉 e',
      ]) {
        expect(tok.count(text)).toBe(tok.encode(text).length);
        expect(tok.pieces(text).join('')).toBe(text);
        expect(tok.pieces(text)).toHaveLength(tok.encode(text).length);
      }
    });
  }

  it('picks o200k_base for gpt-4o models and cl100k_base for gpt-4 and gpt-3.5', () => {
    expect(tokenizerFor('gpt-4o-mini').name).toBe('o200k_base');
    expect(tokenizerFor('gpt-4').name).toBe('cl100k_base');
    expect(tokenizerFor('gpt-3.5-turbo').name).toBe('cl100k_base');
    expect(tokenizerFor('anything', 'cl100k_base').name).toBe('cl100k_base');
  });

  it('counts chat prompts the way OpenAI does: 3 per message, the role, the content, 3 to prime', () => {
    const tok = tokenizerFor('gpt-4o-mini');
    const n = countChatPromptTokens(tok, [{ role: 'user', content: 'Hello!' }]);
    expect(n).toBe(3 + 3 + tok.count('user') + tok.count('Hello!'));
  });
});
