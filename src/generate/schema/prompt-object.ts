import type { Rng } from '../random.ts';
import { extractTopic, keywords } from './hints.ts';
import * as vocab from '../vocabulary.ts';

/**
 * The free-form JSON a model returns for `response_format: {type: "json_object"}`: the `topic` and
 * an `answer` taken from the prompt, a list keyed by the prompt's own words (`french_revolution`),
 * and up to three of the fields such answers usually carry.
 */
export function promptObject(rng: Rng, text: string): Record<string, unknown> {
  const words = keywords(text, 6);
  const topic = extractTopic(text) ?? (words.length > 0 ? words.slice(0, 3).join(' ') : vocab.noun(rng));
  const out: Record<string, unknown> = {
    topic,
    answer: answerSentence(rng, topic),
    [subjectKey(words)]: keyPoints(rng, topic),
  };
  const extras = shuffled(optionalFields(rng, words, topic), rng).slice(0, rng.int(0, 3));
  for (const [key, value] of extras) if (!(key in out)) out[key] = value;
  return out;
}

type Field = [string, unknown];

/** `french_revolution` from the first content words, or `key_points` for an empty prompt. */
function subjectKey(words: readonly string[]): string {
  return words.length > 0 ? words.slice(0, 2).join('_') : 'key_points';
}

function keyPoints(rng: Rng, topic: string): string[] {
  const count = rng.int(2, 3);
  const points = [`${vocab.capitalize(topic)} involves ${vocab.withArticle(vocab.adjective(rng))} ${vocab.noun(rng)}.`];
  while (points.length < count) points.push(vocab.sentence(rng));
  return points;
}

function optionalFields(rng: Rng, words: readonly string[], topic: string): Field[] {
  return [
    ['keywords', words.length > 0 ? words.slice(0, 4) : [vocab.noun(rng), vocab.noun(rng)]],
    ['confidence', Math.round((0.55 + rng.next() * 0.44) * 100) / 100],
    ['summary', `${vocab.capitalize(topic)}: ${vocab.sentence(rng).toLowerCase()}`],
    ['sources', rng.int(1, 5)],
    ['needs_follow_up', rng.chance(0.3)],
    ['category', vocab.department(rng).toLowerCase()],
    ['language', 'en'],
  ];
}

function answerSentence(rng: Rng, topic: string): string {
  const forms = [
    () => `${vocab.capitalize(topic)} mostly comes down to ${vocab.withArticle(vocab.adjective(rng))} ${vocab.noun(rng)}.`,
    () => `In short, ${topic} depends on the ${vocab.noun(rng)} and the ${vocab.noun(rng)}.`,
    () => `The key point about ${topic} is that it is ${vocab.adjective(rng)} and ${vocab.adjective(rng)}.`,
    () => `For ${topic}, start with the ${vocab.noun(rng)}, then ${vocab.verb(rng)} the ${vocab.noun(rng)}.`,
  ];
  return rng.pick(forms)();
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
