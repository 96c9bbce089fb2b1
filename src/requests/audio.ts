import { speechDurationSeconds } from '../generate/audio/voice.ts';
import { invalidRequest, preview } from '../node/errors.ts';
import { type Body, missing, optionalEnum, optionalNumber, optionalString } from './fields.ts';

export type TranscriptFormat = 'json' | 'text' | 'srt' | 'verbose_json' | 'vtt';

export interface TranscriptionRequest {
  responseFormat: TranscriptFormat;
  language?: string;
  prompt?: string;
  temperature?: number;
  granularities: ('word' | 'segment')[];
}

/** Multipart fields arrive as strings; `timestamp_granularities[]` may repeat. */
export function parseTranscriptionFields(fields: Map<string, string[]>, translation: boolean): TranscriptionRequest {
  const body: Body = {};
  for (const [k, v] of fields) if (!k.endsWith('[]')) body[k] = v[v.length - 1];
  if (typeof body.temperature === 'string') body.temperature = Number(body.temperature);
  const responseFormat = optionalEnum(body, 'response_format', ['json', 'text', 'srt', 'verbose_json', 'vtt'] as const) ?? 'json';
  const granularities = [...(fields.get('timestamp_granularities[]') ?? []), ...(fields.get('timestamp_granularities') ?? [])];
  for (const g of granularities) {
    if (g !== 'word' && g !== 'segment') {
      throw invalidRequest(
        `Invalid value for 'timestamp_granularities[]': '${preview(g)}'. Supported values are: 'word', 'segment'.`,
        'timestamp_granularities',
        'invalid_value',
      );
    }
  }
  if (granularities.length > 0 && responseFormat !== 'verbose_json') {
    throw invalidRequest("'timestamp_granularities' is only supported when 'response_format' is 'verbose_json'.", 'timestamp_granularities', 'invalid_value');
  }
  const language = translation ? undefined : optionalString(body, 'language');
  if (language !== undefined && !/^[a-z]{2,3}$/i.test(language)) {
    throw invalidRequest(
      `Invalid language '${preview(language)}'. Language parameter must be specified in ISO-639-1 format.`,
      'language',
      'invalid_language_format',
    );
  }
  if (body.stream === 'true') {
    // whisper-1 cannot stream, and the mock streams no transcription model (gpt-4o-transcribe's SSE events are not modelled).
    throw invalidRequest('Streaming is not supported for this model: send the request without `stream`, or with stream=false.', 'stream', 'unsupported_value');
  }
  const prompt = optionalString(body, 'prompt');
  const temperature = optionalNumber(body, 'temperature', 0, 1);
  return {
    responseFormat,
    granularities: granularities as ('word' | 'segment')[],
    ...(language ? { language } : {}),
    ...(prompt ? { prompt } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
  };
}

export const SPEECH_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

export interface SpeechRequest {
  input: string;
  voice: string;
  format: 'mp3' | 'opus' | 'aac' | 'flac' | 'wav' | 'pcm';
  speed: number;
}

/** Seconds of speech one request generates (~1800 characters at normal speed): MP3 encoding takes ~20 ms a second of audio. */
export const MAX_SPEECH_SECONDS = 120;

export function parseSpeechRequest(body: Body): SpeechRequest {
  const input = optionalString(body, 'input');
  if (input === undefined) throw missing('input');
  if (input.length === 0) throw invalidRequest("Invalid 'input': empty string.", 'input', 'empty_string');
  if (input.length > 4096)
    throw invalidRequest(
      `Invalid 'input': string too long. Expected a string with maximum length 4096, but got a string with length ${input.length} instead.`,
      'input',
      'string_above_max_length',
    );
  const voice = optionalEnum(body, 'voice', SPEECH_VOICES);
  if (voice === undefined) throw missing('voice');
  const format = optionalEnum(body, 'response_format', ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const) ?? 'mp3';
  const speed = optionalNumber(body, 'speed', 0.25, 4) ?? 1;
  const seconds = speechDurationSeconds(input, speed);
  if (seconds > MAX_SPEECH_SECONDS) {
    throw invalidRequest(
      `Invalid 'input': ${[...input.trim()].length} characters at speed ${speed} are ${Math.round(seconds)} seconds of speech; the mock generates at most ${MAX_SPEECH_SECONDS} seconds per request. Shorten the input or raise the speed.`,
      'input',
      'invalid_value',
    );
  }
  return { input, voice, format, speed };
}
