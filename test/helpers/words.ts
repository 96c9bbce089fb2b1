/**
 * `count` texts of made-up words, each at least `chars` long, the same for the same seed: varied
 * enough that the tokenizer's caches do not make big requests look cheap.
 */
export function madeUpTexts(count: number, chars: number, seed: number): string[] {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const word = () => Array.from({ length: 2 + Math.floor(next() * 8) }, () => 'etaoinshrdlucmfwypvbgkqjxz'[Math.floor(next() ** 2 * 26)]).join('');
  return Array.from({ length: count }, () => {
    let text = word();
    while (text.length < chars) text += ` ${word()}`;
    return text;
  });
}
