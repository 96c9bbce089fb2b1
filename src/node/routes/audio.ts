import { authorizeRequest, chargeNothing } from '../paid-request.ts';
import { createHash } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { probeAudioDuration } from '../../generate/audio/probe.ts';
import { UnsupportedAudioFormatError, supportedSpeechFormats, synthesizeSpeech } from '../../generate/audio/speech.ts';
import { toSrt, toVtt, transcriptSteps, type Transcript } from '../../generate/audio/transcript.ts';
import { type Steps, runInSlices } from '../../generate/cooperative.ts';
import { hashSeed } from '../../generate/random.ts';
import { type TranscriptionRequest, parseSpeechRequest, parseTranscriptionFields } from '../../requests/audio.ts';
import { missing } from '../../requests/fields.ts';
import { UnparsableJson, jsonBody } from '../body.ts';
import { NodeError, invalidJson, invalidRequest } from '../errors.ts';
import { unlessClientLeaves } from '../faults.ts';
import type { RouteOptions } from './chat.ts';

/** OpenAI's upload limit for audio files. */
const MAX_AUDIO_BYTES = 25 * 1024 * 1024;
/** The longest audio the mock writes a transcript for. */
const MAX_AUDIO_SECONDS = 4 * 60 * 60;
const SUPPORTED_UPLOADS = "['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']";

interface Upload {
  fields: Map<string, string[]>;
  file?: { filename: string; mimetype: string; bytes: Buffer };
}

/** Reads a whole multipart body; any malformation becomes a 4xx, never a crash. */
async function readUpload(request: FastifyRequest): Promise<Upload> {
  // Nodes parse the bytes first: a body that claims to be JSON and is not gets the invalid-JSON 400.
  if (request.body instanceof UnparsableJson) throw invalidJson(request.body.reason);
  if (!request.isMultipart()) {
    throw invalidRequest(
      `Invalid Content-Type header (${request.headers['content-type'] ?? 'none'}), expected multipart/form-data.`,
      null,
      'unsupported_media_type',
      415,
    );
  }
  const upload: Upload = { fields: new Map() };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.fieldname === 'file') upload.file = { filename: part.filename, mimetype: part.mimetype, bytes };
      } else {
        const values = upload.fields.get(part.fieldname) ?? [];
        values.push(String(part.value));
        upload.fields.set(part.fieldname, values);
      }
    }
  } catch (err) {
    if (err instanceof NodeError) throw err;
    const e = err as { code?: string; message?: string };
    if (e.code === 'FST_REQ_FILE_TOO_LARGE') {
      throw invalidRequest(`Audio file is too large: the limit is ${MAX_AUDIO_BYTES} bytes.`, 'file', 'file_too_large', 413);
    }
    throw invalidRequest(`Malformed multipart/form-data body: ${e.message ?? 'could not be parsed'}.`, null, 'invalid_multipart');
  }
  return upload;
}

/** SHA-1 of an upload (up to 25 MB: ~40 ms in one go), a megabyte per step. */
function* sha1Hex(bytes: Buffer): Steps<string> {
  const hash = createHash('sha1');
  for (let at = 0; at < bytes.length; at += 1024 * 1024) {
    hash.update(bytes.subarray(at, at + 1024 * 1024));
    yield;
  }
  return hash.digest('hex');
}

function verboseBody(t: Transcript, req: TranscriptionRequest, task: 'transcribe' | 'translate') {
  const wantWords = req.granularities.includes('word');
  const wantSegments = req.granularities.length === 0 || req.granularities.includes('segment');
  return {
    task,
    language: t.language,
    duration: t.duration,
    text: t.text,
    ...(wantWords ? { words: t.words } : {}),
    ...(wantSegments ? { segments: t.segments } : {}),
    usage: { type: 'duration', seconds: Math.ceil(t.duration) },
  };
}

export async function audioRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  await app.register(multipart, { limits: { fileSize: MAX_AUDIO_BYTES, files: 1, fields: 32, fieldSize: 64 * 1024 } });

  const transcribe = (task: 'transcribe' | 'translate') => async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const ctx = opts.context();
    const upload = await readUpload(request);
    const model = ctx.resolveModel(upload.fields.get('model')?.at(-1));
    const payer = authorizeRequest(ctx.payments, request, model, {});
    // Four hours of audio are ~36 000 words of transcript (and a 25 MB file to hash): the work runs
    // in slices; a client that goes away meanwhile stops it, is not answered and is not charged.
    return unlessClientLeaves(request, reply, (signal) =>
      chargeNothing(ctx.payments, payer, async () => {
        ctx.requireKind(model, ['transcription'], `/v1/audio/${task === 'transcribe' ? 'transcriptions' : 'translations'}`);
        const req = parseTranscriptionFields(upload.fields, task === 'translate');
        if (!upload.file) throw missing('file');
        const duration = await probeAudioDuration(upload.file.bytes, upload.file.filename, upload.file.mimetype);
        if (duration === null) {
          throw invalidRequest(`Invalid file format. Supported formats: ${SUPPORTED_UPLOADS}`, 'file', 'invalid_value');
        }
        // A header can claim any length (a WAV at 1 sample a second, a FLAC of 2^36 samples): the
        // transcript is as long as the audio says, so a claim past this is refused, not written out.
        if (duration > MAX_AUDIO_SECONDS) {
          throw invalidRequest(
            `Audio file is too long: ${Math.round(duration)} seconds; the mock transcribes at most ${MAX_AUDIO_SECONDS} seconds (4 hours).`,
            'file',
            'audio_too_long',
          );
        }
        const fileHash = await runInSlices(sha1Hex(upload.file.bytes), signal);
        const seed = hashSeed(ctx.scenario.seed, model.id, task, fileHash, req.language, req.prompt);
        const options = { language: task === 'translate' ? 'en' : req.language, prompt: req.prompt };
        const transcript = await runInSlices(transcriptSteps(seed, duration, options), signal);
        const text = (body: string) => reply.header('content-type', 'text/plain; charset=utf-8').send(body);
        switch (req.responseFormat) {
          case 'text':
            return text(`${transcript.text}\n`);
          case 'srt':
            return text(toSrt(transcript));
          case 'vtt':
            return text(toVtt(transcript));
          case 'verbose_json':
            return verboseBody(transcript, req, task);
          case 'json':
            return { text: transcript.text, usage: { type: 'duration', seconds: Math.ceil(transcript.duration) } };
        }
      }),
    );
  };

  app.post('/audio/transcriptions', transcribe('transcribe'));
  app.post('/audio/translations', transcribe('translate'));

  app.post('/audio/speech', async (request, reply) => {
    const ctx = opts.context();
    const body = jsonBody(request);
    const model = ctx.resolveModel(body.model);
    const payer = authorizeRequest(ctx.payments, request, model, body);
    // Long inputs take seconds to synthesize (in slices, other requests going on meanwhile), and
    // may first wait for a free slot: a client that goes away meanwhile stops the work (or leaves
    // the queue), is not answered, and is not charged.
    return unlessClientLeaves(request, reply, (signal) =>
      chargeNothing(ctx.payments, payer, async () => {
        ctx.requireKind(model, ['speech'], '/v1/audio/speech');
        const req = parseSpeechRequest(body);
        try {
          // A format this build cannot write is refused at once, not after waiting for a slot.
          if (!supportedSpeechFormats().includes(req.format)) throw new UnsupportedAudioFormatError(req.format);
          const seed = hashSeed(ctx.scenario.seed, model.id, req.voice, req.input);
          const audio = await opts.heavyWork.speech.run(() => synthesizeSpeech(req.input, seed, req.format, req.speed, { signal }), signal);
          signal.throwIfAborted();
          return reply.header('content-type', audio.contentType).send(audio.bytes);
        } catch (err) {
          if (err instanceof UnsupportedAudioFormatError) throw invalidRequest(err.message, 'response_format', 'unsupported_value');
          throw err;
        }
      }),
    );
  });
}
