import type { Rng } from '../random.ts';
import { extractTopic, keywords } from './hints.ts';
import * as vocab from './vocabulary.ts';

/**
 * The free-form JSON a model returns for `response_format: {type: "json_object"}`: an `answer` and
 * a `topic` taken from the prompt, plus a few of the fields such answers usually carry.
 */
export function promptObject(rng: Rng, text: string): Record<string, unknown> {
  const words = keywords(text, 6);
  const topic = extractTopic(text) ?? (words.length > 0 ? words.slice(0, 3).join(' ') : vocab.noun(rng));
  const out: Record<string, unknown> = {
    topic,
    answer: answerSentence(rng, topic),
  };
  const extras = shuffled(optionalFields(rng, words, topic), rng).slice(0, rng.int(1, 4));
  for (const [key, value] of extras) out[key] = value;
  return out;
}

type Field = [string, unknown];

function optionalFields(rng: Rng, words: readonly string[], topic: string): Field[] {
  const tags = words.length > 0 ? words.slice(0, 4) : [vocab.noun(rng), vocab.noun(rng)];
  const fields: Field[] = [
    ['keywords', tags],
    ['confidence', Math.round((0.55 + rng.next() * 0.44) * 100) / 100],
    ['summary', `${vocab.capitalize(topic)}: ${vocab.sentence(rng).toLowerCase()}`],
    ['sources', rng.int(1, 5)],
    ['needs_follow_up', rng.chance(0.3)],
    ['category', vocab.department(rng).toLowerCase()],
    ['language', 'en'],
  ];
  const subject = words[0];
  if (subject) fields.push([`${subject}_details`, [vocab.sentence(rng), vocab.sentence(rng)]]);
  return fields;
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
