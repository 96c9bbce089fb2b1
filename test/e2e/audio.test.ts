import { parseBuffer } from 'music-metadata';
import { APIError, toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '../../src/generate/audio/speech.ts';
import { loadSpecValidator } from '../helpers/openai-spec.ts';
import { type TestNode, postJson, startTestNode } from '../helpers/node.ts';

let t: TestNode;
const spec = loadSpecValidator();

beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t.close());

/** Speech lasts 15 characters a second, so these 60 and 180 characters make clips of 4 s and 12 s. */
const FOUR_SECONDS = 'Testing the transcription endpoint with a shorter sound clip';
const TWELVE_SECONDS = `${FOUR_SECONDS}. ${FOUR_SECONDS}. ${FOUR_SECONDS.slice(0, -5)}!`;
const wav4 = await synthesizeSpeech(FOUR_SECONDS, 7, 'wav');
const mp312 = await synthesizeSpeech(TWELVE_SECONDS, 7, 'mp3');

interface Verbose {
  task?: string;
  language: string;
  duration: number;
  text: string;
  words?: { word: string; start: number; end: number }[];
  segments?: { id: number; start: number; end: number; text: string; seek: number; tokens: number[] }[];
}

const wavFile = () => toFile(wav4.bytes, 'clip.wav', { type: 'audio/wav' });
const mp3File = () => toFile(mp312.bytes, 'clip.mp3', { type: 'audio/mpeg' });

/** Word and segment timings that a client can lay over the audio without surprises. */
function expectPlausibleTimings(v: Verbose, audioSeconds: number) {
  expect(v.duration).toBeCloseTo(audioSeconds, 1);
  const words = v.words!;
  const segments = v.segments!;
  // ~2.5 words a second of speech, like Whisper on conversational English.
  expect(words.length).toBeGreaterThan(audioSeconds * 1.2);
  expect(words.length).toBeLessThan(audioSeconds * 4);
  let previousEnd = 0;
  let cursor = 0;
  for (const w of words) {
    expect(w.start).toBeGreaterThanOrEqual(previousEnd);
    expect(w.end).toBeGreaterThan(w.start);
    expect(w.end).toBeLessThanOrEqual(v.duration);
    previousEnd = w.end;
    // Words appear in the text, in order.
    const at = v.text.indexOf(w.word, cursor);
    expect(at, w.word).toBeGreaterThanOrEqual(0);
    cursor = at + w.word.length;
  }
  expect(segments.length).toBeGreaterThan(0);
  expect(segments.map((s) => s.id)).toEqual(segments.map((_, i) => i));
  expect(
    segments
      .map((s) => s.text)
      .join('')
      .trim(),
  ).toBe(v.text);
  let segmentEnd = 0;
  for (const s of segments) {
    expect(s.start).toBeGreaterThanOrEqual(segmentEnd);
    expect(s.end).toBeGreaterThan(s.start);
    expect(s.end).toBeLessThanOrEqual(v.duration);
    expect(s.tokens.length).toBeGreaterThan(0);
    segmentEnd = s.end;
  }
  expect(words[0]!.start).toBeGreaterThanOrEqual(segments[0]!.start);
  expect(words.at(-1)!.end).toBeLessThanOrEqual(segments.at(-1)!.end);
}

function parseSrt(srt: string) {
  return srt
    .trim()
    .split(/\n\n/)
    .map((cue) => {
      const [n, times, ...text] = cue.split('\n');
      const m = /^(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})$/.exec(times ?? '');
      expect(m, times).not.toBeNull();
      const secs = (h: string, mi: string, s: string, ms: string) => Number(h) * 3600 + Number(mi) * 60 + Number(s) + Number(ms) / 1000;
      return { n: Number(n), start: secs(m![1]!, m![2]!, m![3]!, m![4]!), end: secs(m![5]!, m![6]!, m![7]!, m![8]!), text: text.join('\n') };
    });
}

describe('POST /v1/audio/transcriptions', () => {
  it('json (the default) is spec-valid text with duration usage', async () => {
    const r = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await wavFile() });
    expect(spec.validate('CreateTranscriptionResponseJson', r)).toEqual([]);
    expect(r.text.split(/\s+/).length).toBeGreaterThan(4);
    expect(r.usage).toEqual({ type: 'duration', seconds: Math.ceil(wav4.durationSeconds) });
  });

  it('verbose_json with word and segment timestamps fits a 4 s wav', async () => {
    const r = (await t.client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await wavFile(),
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    })) as unknown as Verbose;
    expect(spec.validate('CreateTranscriptionResponseVerboseJson', r)).toEqual([]);
    expect(r.language).toBe('english');
    expect(wav4.durationSeconds).toBeCloseTo(4, 2);
    expect(r.duration).toBe(wav4.durationSeconds);
    expectPlausibleTimings(r, wav4.durationSeconds);
  });

  it('verbose_json fits a 12 s mp3, whose duration is read from the MPEG frames', async () => {
    const r = (await t.client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await mp3File(),
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    })) as unknown as Verbose;
    expect(spec.validate('CreateTranscriptionResponseVerboseJson', r)).toEqual([]);
    expect(mp312.durationSeconds).toBeCloseTo(12, 2);
    const probed = (await parseBuffer(mp312.bytes, { mimeType: 'audio/mpeg' })).format.duration!;
    expect(r.duration).toBeCloseTo(probed, 2);
    expectPlausibleTimings(r, mp312.durationSeconds);
  });

  it('verbose_json gives only the granularities asked for (segments by default)', async () => {
    const byDefault = (await t.client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await wavFile(),
      response_format: 'verbose_json',
    })) as unknown as Verbose;
    expect(byDefault.segments!.length).toBeGreaterThan(0);
    expect(byDefault.words).toBeUndefined();
    const wordsOnly = (await t.client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await wavFile(),
      response_format: 'verbose_json',
      timestamp_granularities: ['word'],
    })) as unknown as Verbose;
    expect(wordsOnly.words!.length).toBeGreaterThan(0);
    expect(wordsOnly.segments).toBeUndefined();
  });

  it('the same file gives the same transcript; another file gives another', async () => {
    const a = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await wavFile() });
    const b = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await wavFile() });
    const c = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await mp3File() });
    expect(a.text).toBe(b.text);
    expect(c.text).not.toBe(a.text);
  });

  it('text comes back as a text/plain string holding the json text', async () => {
    const json = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await wavFile() });
    const text = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await wavFile(), response_format: 'text' });
    expect(typeof text).toBe('string');
    expect(text.trim()).toBe(json.text);
    const { response } = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await wavFile(), response_format: 'text' }).withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('srt cues are numbered, well-formed and end within the audio', async () => {
    const srt = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await mp3File(), response_format: 'srt' });
    expect(typeof srt).toBe('string');
    const verbose = (await t.client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await mp3File(),
      response_format: 'verbose_json',
    })) as unknown as Verbose;
    const cues = parseSrt(srt);
    expect(cues.map((c) => c.n)).toEqual(verbose.segments!.map((_, i) => i + 1));
    cues.forEach((c, i) => {
      expect(c.start).toBeCloseTo(verbose.segments![i]!.start, 3);
      expect(c.end).toBeCloseTo(verbose.segments![i]!.end, 3);
      expect(c.text).toBe(verbose.segments![i]!.text.trim());
      expect(c.end).toBeLessThanOrEqual(verbose.duration);
    });
  });

  it('vtt starts with WEBVTT and uses dotted timestamps, as text/plain', async () => {
    const res = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await wavFile(), response_format: 'vtt' }).withResponse();
    expect(res.response.headers.get('content-type')).toMatch(/^text\/plain/);
    const vtt = res.data;
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    const times = vtt.match(/^\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}$/gm);
    expect(times!.length).toBeGreaterThan(0);
    expect(vtt).not.toMatch(/\d,\d{3}/);
  });

  it('a language hint is reported in verbose_json', async () => {
    const r = (await t.client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await wavFile(),
      response_format: 'verbose_json',
      language: 'de',
    })) as unknown as Verbose;
    expect(r.language).toBe('german');
  });

  it('garbage bytes as the file are a 400 in the OpenAI error shape, not a 500', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 251));
    const err = await t.client.audio.transcriptions
      .create({ model: 'whisper-1', file: await toFile(garbage, 'clip.wav', { type: 'audio/wav' }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    const e = err as APIError;
    expect(e.status).toBe(400);
    expect(e.type).toBe('invalid_request_error');
    expect(e.param).toBe('file');
    expect(e.message).toMatch(/Invalid file format/);
    expect(spec.validate('ErrorResponse', e.error && { error: e.error })).toEqual([]);
    // An empty file and a text file are refused the same way.
    for (const [bytes, name] of [
      [Buffer.alloc(0), 'empty.mp3'],
      [Buffer.from('hello, this is not audio'), 'notes.txt'],
    ] as const) {
      const e2 = await t.client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(bytes, name) }).catch((x: unknown) => x);
      expect((e2 as APIError).status, name).toBe(400);
    }
  });

  it('a missing file, a wrong model kind and a non-multipart body are 4xx', async () => {
    const form = new FormData();
    form.set('model', 'whisper-1');
    const noFile = await fetch(`${t.node.url}/audio/transcriptions`, { method: 'POST', body: form, headers: { authorization: 'Bearer sk-test' } });
    expect(noFile.status).toBe(400);
    expect(((await noFile.json()) as { error: { param: string } }).error.param).toBe('file');
    const wrongModel = await t.client.audio.transcriptions.create({ model: 'gpt-4o-mini', file: await wavFile() }).catch((e: unknown) => e);
    expect((wrongModel as APIError).status).toBe(400);
    const json = await postJson(`${t.node.url}/audio/transcriptions`, { model: 'whisper-1' });
    expect(json.status).toBe(415);
    // whisper-1 cannot stream: a JSON answer to a stream request would leave the SDK's SSE parser with nothing.
    const streamForm = new FormData();
    streamForm.set('model', 'whisper-1');
    streamForm.set('stream', 'true');
    streamForm.set('file', new Blob([new Uint8Array(wav4.bytes)], { type: 'audio/wav' }), 'clip.wav');
    const stream = await fetch(`${t.node.url}/audio/transcriptions`, { method: 'POST', body: streamForm, headers: { authorization: 'Bearer sk-test' } });
    expect(stream.status).toBe(400);
    expect(((await stream.json()) as { error: { param: string } }).error.param).toBe('stream');
  });
});

describe('POST /v1/audio/translations', () => {
  it('json is spec-valid', async () => {
    const r = await t.client.audio.translations.create({ model: 'whisper-1', file: await mp3File() });
    expect(spec.validate('CreateTranslationResponseJson', r)).toEqual([]);
    expect(r.text.split(/\s+/).length).toBeGreaterThan(12);
  });

  it('verbose_json is spec-valid, in English, with segments inside the audio', async () => {
    const r = (await t.client.audio.translations.create({ model: 'whisper-1', file: await wavFile(), response_format: 'verbose_json' })) as unknown as Verbose;
    expect(spec.validate('CreateTranslationResponseVerboseJson', r)).toEqual([]);
    expect(r.language).toBe('english');
    expect(r.duration).toBe(wav4.durationSeconds);
    expect(r.segments!.length).toBeGreaterThan(0);
    expect(r.segments!.at(-1)!.end).toBeLessThanOrEqual(r.duration);
  });

  it('text and srt are strings', async () => {
    // The SDK types every translation as an object, but text formats come back as plain strings.
    const text = (await t.client.audio.translations.create({ model: 'whisper-1', file: await wavFile(), response_format: 'text' })) as unknown as string;
    expect(typeof text).toBe('string');
    expect(text.trim().length).toBeGreaterThan(10);
    const srt = (await t.client.audio.translations.create({ model: 'whisper-1', file: await wavFile(), response_format: 'srt' })) as unknown as string;
    expect(typeof srt).toBe('string');
    expect(parseSrt(srt).length).toBeGreaterThan(0);
  });

  it('garbage bytes are a 400', async () => {
    const err = await t.client.audio.translations
      .create({ model: 'whisper-1', file: await toFile(Buffer.from('not audio at all'.repeat(50)), 'x.mp3') })
      .catch((e: unknown) => e);
    expect((err as APIError).status).toBe(400);
  });
});

function parseWavHeader(bytes: Buffer) {
  expect(bytes.toString('latin1', 0, 4)).toBe('RIFF');
  expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
  expect(bytes.toString('latin1', 8, 12)).toBe('WAVE');
  expect(bytes.toString('latin1', 12, 16)).toBe('fmt ');
  const fmt = {
    format: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    byteRate: bytes.readUInt32LE(28),
    blockAlign: bytes.readUInt16LE(32),
    bitsPerSample: bytes.readUInt16LE(34),
  };
  expect(bytes.toString('latin1', 36, 40)).toBe('data');
  const dataBytes = bytes.readUInt32LE(40);
  expect(dataBytes).toBe(bytes.length - 44);
  return { ...fmt, seconds: dataBytes / fmt.byteRate };
}

describe('POST /v1/audio/speech', () => {
  const input = 'Hello from the mock Routstr node, this is a test.';

  it('wav: 24 kHz mono 16-bit PCM lasting about as long as the text takes to say', async () => {
    const res = await t.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' });
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const h = parseWavHeader(Buffer.from(await res.arrayBuffer()));
    expect(h).toMatchObject({ format: 1, channels: 1, sampleRate: 24000, bitsPerSample: 16, blockAlign: 2, byteRate: 48000 });
    expect(h.seconds).toBeGreaterThan(input.length / 15 - 0.5);
    expect(h.seconds).toBeLessThan(input.length / 15 + 0.5);
  });

  it('mp3 is the SDK default and parses as MPEG audio', async () => {
    const res = await t.client.audio.speech.create({ model: 'tts-1', voice: 'nova', input });
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    const bytes = Buffer.from(await res.arrayBuffer());
    const meta = await parseBuffer(bytes, { mimeType: 'audio/mpeg' }, { duration: true });
    expect(meta.format.container).toBe('MPEG');
    expect(meta.format.sampleRate).toBe(24000);
    expect(meta.format.numberOfChannels).toBe(1);
    expect(meta.format.duration).toBeGreaterThan(input.length / 15 - 0.5);
    expect(meta.format.duration).toBeLessThan(input.length / 15 + 0.5);
  });

  it('flac parses as FLAC with the same duration', async () => {
    const res = await t.client.audio.speech.create({ model: 'tts-1', voice: 'echo', input, response_format: 'flac' });
    expect(res.headers.get('content-type')).toBe('audio/flac');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.toString('latin1', 0, 4)).toBe('fLaC');
    const meta = await parseBuffer(bytes, { mimeType: 'audio/flac' });
    expect(meta.format.container).toBe('FLAC');
    expect(meta.format.sampleRate).toBe(24000);
    expect(meta.format.numberOfChannels).toBe(1);
    expect(meta.format.bitsPerSample).toBe(16);
    expect(meta.format.duration).toBeCloseTo(input.length / 15, 0);
  });

  it('pcm is headerless 16-bit samples: exactly the wav data', async () => {
    const say = async (response_format: 'pcm' | 'wav') => {
      const res = await t.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input, response_format });
      return { type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const [pcm, wav] = await Promise.all([say('pcm'), say('wav')]);
    expect(pcm.type).toBe('audio/pcm');
    expect(pcm.bytes.length % 2).toBe(0);
    expect(pcm.bytes.equals(wav.bytes.subarray(44))).toBe(true);
    // Not silence.
    let peak = 0;
    for (let i = 0; i < pcm.bytes.length; i += 2) peak = Math.max(peak, Math.abs(pcm.bytes.readInt16LE(i)));
    expect(peak).toBeGreaterThan(1000);
  });

  it('the same request gives the same bytes; voice and speed change them', async () => {
    const say = async (voice: 'alloy' | 'onyx', speed = 1) => {
      const res = await t.client.audio.speech.create({ model: 'tts-1', voice, input, response_format: 'wav', speed });
      return Buffer.from(await res.arrayBuffer());
    };
    const [a, b, c, fast] = await Promise.all([say('alloy'), say('alloy'), say('onyx'), say('alloy', 2)]);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(parseWavHeader(fast).seconds).toBeCloseTo(parseWavHeader(a).seconds / 2, 1);
  });

  it.each(['opus', 'aac'] as const)('%s is a 400 saying which formats work', async (response_format) => {
    const err = await t.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input, response_format }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    const e = err as APIError;
    expect(e.status).toBe(400);
    expect(e.param).toBe('response_format');
    expect(e.message).toContain(response_format);
    expect(e.message).toMatch(/mp3, flac, wav, pcm/);
  });

  it('missing voice, unknown voice, missing input and a chat model are 400s', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 'tts-1', input }, 'voice'],
      [{ model: 'tts-1', input, voice: 'robot' }, 'voice'],
      [{ model: 'tts-1', voice: 'alloy' }, 'input'],
      [{ model: 'tts-1', voice: 'alloy', input, speed: 9 }, 'speed'],
      [{ model: 'gpt-4o-mini', voice: 'alloy', input }, 'model'],
    ];
    for (const [body, param] of cases) {
      const res = await postJson(`${t.node.url}/audio/speech`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const json = (await res.json()) as { error: { param: string; type: string } };
      expect(json.error.param).toBe(param);
      expect(json.error.type).toBe('invalid_request_error');
    }
  });

  it('a speech clip round-trips through transcription with a matching duration', async () => {
    const res = await t.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: TWELVE_SECONDS, response_format: 'wav' });
    const bytes = Buffer.from(await res.arrayBuffer());
    const r = (await t.client.audio.transcriptions.create({
      model: 'whisper-1',
      file: await toFile(bytes, 'speech.wav'),
      response_format: 'verbose_json',
    })) as unknown as Verbose;
    expect(r.duration).toBeCloseTo(parseWavHeader(bytes).seconds, 3);
  });
});

describe('routing', () => {
  it('every audio endpoint answers without the /v1 prefix, with a request id', async () => {
    const speech = await postJson(`${t.node.origin}/audio/speech`, { model: 'tts-1', voice: 'alloy', input: 'hi', response_format: 'wav' });
    expect(speech.status).toBe(200);
    expect(speech.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    for (const path of ['/audio/transcriptions', '/audio/translations']) {
      const form = new FormData();
      form.set('model', 'whisper-1');
      form.set('response_format', 'text');
      form.set('file', new Blob([new Uint8Array(wav4.bytes)], { type: 'audio/wav' }), 'clip.wav');
      const res = await fetch(`${t.node.origin}${path}`, { method: 'POST', body: form, headers: { authorization: 'Bearer sk-test' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.headers.get('x-routstr-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect((await res.text()).trim().length).toBeGreaterThan(10);
    }
  });
});
