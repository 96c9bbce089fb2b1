import { invalidRequest, preview } from '../node/errors.ts';
import type { ModelSpec } from '../scenario/types.ts';
import { type Body, checkTokenizedText, missing, optionalEnum, optionalInteger, optionalString } from './fields.ts';

export interface ImagesRequest {
  prompt: string;
  n: number;
  width: number;
  height: number;
  size: string;
  responseFormat: 'url' | 'b64_json';
  quality?: string;
  style?: string;
}

/** The sizes OpenAI accepts per image model; other (scenario-defined) models take any WxH. */
const KNOWN_SIZES: Record<string, string[]> = {
  'dall-e-2': ['256x256', '512x512', '1024x1024'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
  'gpt-image-1': ['1024x1024', '1536x1024', '1024x1536', 'auto'],
};

const MAX_SIDE = 2048;
/** Pixels one request renders (n × width × height): ten 1536×1024 images, gpt-image-1's largest request, fit. */
export const MAX_PIXELS = 16 * 1024 * 1024;

function knownSizes(modelId: string): string[] | undefined {
  const family = Object.keys(KNOWN_SIZES).find((k) => modelId === k || modelId.startsWith(`${k}-`));
  return family ? KNOWN_SIZES[family] : undefined;
}

/** The qualities each OpenAI image model accepts; scenario-defined models take any of them. */
function qualitiesFor(modelId: string): readonly string[] {
  if (alwaysBase64(modelId)) return ['low', 'medium', 'high', 'auto'];
  if (modelId.startsWith('dall-e-3')) return ['standard', 'hd', 'auto'];
  if (modelId.startsWith('dall-e-2')) return ['standard', 'auto'];
  return ['standard', 'hd', 'low', 'medium', 'high', 'auto'];
}

/** dall-e-3 draws one image per request; OpenAI refuses n > 1 for it. */
function onlyOneImage(modelId: string): boolean {
  return modelId === 'dall-e-3' || modelId.startsWith('dall-e-3-');
}

/** gpt-image models always answer with base64 and take no response_format. */
export function alwaysBase64(modelId: string): boolean {
  return modelId.startsWith('gpt-image');
}

export function parseImagesRequest(body: Body, model: ModelSpec): ImagesRequest {
  const prompt = optionalString(body, 'prompt');
  if (prompt === undefined) throw missing('prompt');
  if (prompt.trim() === '') throw invalidRequest("Invalid 'prompt': empty string.", 'prompt', 'empty_string');
  if (prompt.length > 32000)
    throw invalidRequest(`Invalid 'prompt': string too long (${prompt.length} characters; the limit is 32000).`, 'prompt', 'string_above_max_length');
  const size = optionalString(body, 'size') ?? '1024x1024';
  const allowed = knownSizes(model.id);
  if (allowed && !allowed.includes(size)) {
    throw invalidRequest(
      `Invalid value for 'size': '${preview(size)}'. Supported values for ${model.id} are: ${allowed.map((s) => `'${s}'`).join(', ')}.`,
      'size',
      'invalid_value',
    );
  }
  const resolved = size === 'auto' ? '1024x1024' : size;
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(resolved);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw invalidRequest(
      `Invalid value for 'size': '${preview(size)}'. Expected WIDTHxHEIGHT with sides from 1 to ${MAX_SIDE}, or 'auto'.`,
      'size',
      'invalid_value',
    );
  }
  const responseFormat = optionalEnum(body, 'response_format', ['url', 'b64_json'] as const);
  if (responseFormat && alwaysBase64(model.id)) {
    throw invalidRequest(`Unknown parameter: 'response_format'. ${model.id} always returns b64_json.`, 'response_format', 'unknown_parameter');
  }
  const outputFormat = optionalEnum(body, 'output_format', ['png', 'jpeg', 'webp'] as const);
  if (outputFormat && outputFormat !== 'png') {
    throw invalidRequest(`Invalid value for 'output_format': '${outputFormat}'. This mock renders PNG only.`, 'output_format', 'invalid_value');
  }
  const quality = optionalEnum(body, 'quality', qualitiesFor(model.id));
  const style = optionalEnum(body, 'style', ['vivid', 'natural'] as const);
  if (style && knownSizes(model.id) && !model.id.startsWith('dall-e-3')) {
    throw invalidRequest(`Unknown parameter: 'style'. Only dall-e-3 takes a style.`, 'style', 'unknown_parameter');
  }
  const n = optionalInteger(body, 'n', 1, 10) ?? 1;
  if (n > 1 && onlyOneImage(model.id)) {
    throw invalidRequest(
      `Invalid 'n': integer above maximum value. Expected a value <= 1 for ${model.id}, but got ${n} instead.`,
      'n',
      'integer_above_max_value',
    );
  }
  if (n * width * height > MAX_PIXELS) {
    throw invalidRequest(
      `Invalid 'n': ${n} images of ${width}x${height} are ${n * width * height} pixels; the mock renders at most ${MAX_PIXELS} pixels per request.`,
      'n',
      'invalid_value',
    );
  }
  checkTokenizedText([{ text: prompt, param: 'prompt' }]);
  return {
    prompt,
    n,
    width,
    height,
    size: resolved,
    responseFormat: alwaysBase64(model.id) ? 'b64_json' : (responseFormat ?? 'url'),
    ...(quality ? { quality } : {}),
    ...(style ? { style } : {}),
  };
}
