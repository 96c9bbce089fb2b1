import { invalidRequest, preview } from '../node/errors.ts';
import type { ModelSpec } from '../scenario/types.ts';
import { contentText } from '../generate/tokens.ts';
import {
  type Body,
  checkCompletionBudget,
  checkSchemaDepth,
  checkTokenizedText,
  missing,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalNumber,
  optionalString,
  stopSequences,
  wrongType,
} from './fields.ts';

/** A chat completion request, checked and normalised. Raw messages are kept for token counting. */
export interface ChatRequest {
  messages: ChatMessage[];
  n: number;
  /** max_completion_tokens or max_tokens, whichever the client sent. */
  maxTokens?: number;
  /**
   * The model's most completion tokens a choice can have, for when the client set no max_tokens:
   * generation stops there (finish_reason "length") as a real model's output does.
   */
  maxOutputTokens?: number;
  temperature?: number;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  responseFormat: ResponseFormat;
  logprobs: boolean;
  topLogprobs: number;
  /** The client's own `seed` parameter, folded into content generation. */
  seed?: number;
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
  content?: unknown;
  name?: string;
  tool_calls?: unknown;
  tool_call_id?: string;
}

export interface ToolDefinition {
  name: string;
  description: string;
  parameters: unknown;
}

export type ToolChoice = { mode: 'auto' | 'none' | 'required' } | { mode: 'named'; name: string };

export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; name: string; schema: unknown };

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
const PART_TYPES = ['text', 'image_url', 'input_audio', 'file', 'refusal'] as const;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function isObject(v: unknown): v is Body {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function invalidValue(param: string, value: unknown, allowed: readonly string[]) {
  return invalidRequest(
    `Invalid value for '${param}': ${typeof value === 'string' ? JSON.stringify(preview(value)) : preview(value)}. Supported values are: ${allowed.map((a) => `'${a}'`).join(', ')}.`,
    param,
    'invalid_value',
  );
}

/** A required string field of an object in the request, named by its full path. */
function requireStringAt(obj: Body, key: string, where: string): string {
  const v = obj[key];
  if (v === undefined || v === null) throw missing(`${where}.${key}`);
  if (typeof v !== 'string') throw wrongType(`${where}.${key}`, 'a string', v);
  return v;
}

/** A required object field of an object in the request, named by its full path. */
function requireObjectAt(obj: Body, key: string, where: string): Body {
  const v = obj[key];
  if (v === undefined || v === null) throw missing(`${where}.${key}`);
  if (!isObject(v)) throw wrongType(`${where}.${key}`, 'an object', v);
  return v;
}

/** Content parts: each an object of a known type carrying the field that type needs. */
function checkContentParts(parts: unknown[], where: string): void {
  if (parts.length === 0)
    throw invalidRequest(`Invalid '${where}': empty array. Expected an array with minimum length 1, but got an empty array instead.`, where, 'empty_array');
  parts.forEach((raw, j) => {
    const at = `${where}[${j}]`;
    if (!isObject(raw)) throw wrongType(at, 'an object', raw);
    if (raw.type === undefined || raw.type === null) throw missing(`${at}.type`);
    if (typeof raw.type !== 'string' || !(PART_TYPES as readonly string[]).includes(raw.type)) throw invalidValue(`${at}.type`, raw.type, PART_TYPES);
    switch (raw.type) {
      case 'text':
      case 'refusal':
        requireStringAt(raw, raw.type, at);
        break;
      case 'image_url':
        requireStringAt(requireObjectAt(raw, 'image_url', at), 'url', `${at}.image_url`);
        break;
      case 'input_audio': {
        const audio = requireObjectAt(raw, 'input_audio', at);
        requireStringAt(audio, 'data', `${at}.input_audio`);
        requireStringAt(audio, 'format', `${at}.input_audio`);
        break;
      }
      case 'file':
        requireObjectAt(raw, 'file', at);
        break;
    }
  });
}

/** An assistant message's tool_calls: a non-empty array of function calls with string arguments. */
function checkToolCalls(calls: unknown, where: string): void {
  if (!Array.isArray(calls)) throw wrongType(where, 'an array', calls);
  if (calls.length === 0)
    throw invalidRequest(`Invalid '${where}': empty array. Expected an array with minimum length 1, but got an empty array instead.`, where, 'empty_array');
  calls.forEach((raw, j) => {
    const at = `${where}[${j}]`;
    if (!isObject(raw)) throw wrongType(at, 'an object', raw);
    requireStringAt(raw, 'id', at);
    if (raw.type !== 'function') throw invalidValue(`${at}.type`, raw.type, ['function']);
    const fn = requireObjectAt(raw, 'function', at);
    requireStringAt(fn, 'name', `${at}.function`);
    requireStringAt(fn, 'arguments', `${at}.function`);
  });
}

function parseMessage(raw: unknown, i: number): ChatMessage {
  const where = `messages[${i}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw wrongType(where, 'an object', raw);
  const m = raw as Body;
  if (m.role === undefined || m.role === null) throw missing(`${where}.role`);
  if (typeof m.role !== 'string' || !(ROLES as readonly string[]).includes(m.role)) throw invalidValue(`${where}.role`, m.role, ROLES);
  const role = m.role as ChatMessage['role'];
  const content = m.content;
  const hasToolCalls = m.tool_calls !== undefined && m.tool_calls !== null;
  const contentOptional = role === 'assistant' && (hasToolCalls || (m.function_call !== undefined && m.function_call !== null));
  if (content === undefined && !contentOptional) throw missing(`${where}.content`);
  if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
    throw wrongType(`${where}.content`, 'a string or an array of content parts', content);
  }
  if (content === null && !contentOptional && role !== 'assistant') throw wrongType(`${where}.content`, 'a string or an array of content parts', content);
  if (Array.isArray(content)) checkContentParts(content, `${where}.content`);
  if (m.name !== undefined && m.name !== null && typeof m.name !== 'string') throw wrongType(`${where}.name`, 'a string', m.name);
  if (role === 'function' && typeof m.name !== 'string') throw missing(`${where}.name`);
  if (hasToolCalls) {
    if (role !== 'assistant')
      throw invalidRequest(
        `Invalid parameter: '${where}.tool_calls' is only allowed on messages with role 'assistant'.`,
        `${where}.tool_calls`,
        'invalid_value',
      );
    checkToolCalls(m.tool_calls, `${where}.tool_calls`);
  }
  if (role === 'tool') {
    if (m.tool_call_id === undefined || m.tool_call_id === null) throw missing(`${where}.tool_call_id`);
    if (typeof m.tool_call_id !== 'string') throw wrongType(`${where}.tool_call_id`, 'a string', m.tool_call_id);
  }
  return {
    role,
    content,
    ...(typeof m.name === 'string' ? { name: m.name } : {}),
    ...(hasToolCalls ? { tool_calls: m.tool_calls } : {}),
    ...(typeof m.tool_call_id === 'string' ? { tool_call_id: m.tool_call_id } : {}),
  };
}

function parseTools(body: Body): ToolDefinition[] {
  const tools = body.tools;
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw wrongType('tools', 'an array', tools);
  return tools.map((t, i) => {
    const where = `tools[${i}]`;
    if (t === null || typeof t !== 'object') throw wrongType(where, 'an object', t);
    const tool = t as Body;
    if (tool.type !== 'function')
      throw invalidRequest(
        `Invalid value for '${where}.type': ${typeof tool.type === 'string' ? JSON.stringify(preview(tool.type)) : preview(tool.type)}. Supported values are: 'function'.`,
        `${where}.type`,
        'invalid_value',
      );
    const fn = tool.function as Body | undefined;
    if (!fn || typeof fn !== 'object') throw missing(`${where}.function`);
    if (typeof fn.name !== 'string') throw missing(`${where}.function.name`);
    if (!TOOL_NAME.test(fn.name)) {
      throw invalidRequest(
        `Invalid '${where}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' of at most 64 characters.`,
        `${where}.function.name`,
        'invalid_value',
      );
    }
    if (fn.parameters !== undefined && (fn.parameters === null || typeof fn.parameters !== 'object' || Array.isArray(fn.parameters))) {
      throw wrongType(`${where}.function.parameters`, 'an object', fn.parameters);
    }
    checkSchemaDepth(fn.parameters, `${where}.function.parameters`);
    return {
      name: fn.name,
      description: typeof fn.description === 'string' ? fn.description : '',
      parameters: fn.parameters ?? { type: 'object', properties: {} },
    };
  });
}

function parseToolChoice(body: Body, tools: ToolDefinition[]): ToolChoice {
  const choice = body.tool_choice;
  if (choice === undefined || choice === null) return { mode: tools.length > 0 ? 'auto' : 'none' };
  if (tools.length === 0)
    throw invalidRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice', null);
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { mode: choice };
  if (typeof choice === 'object' && !Array.isArray(choice)) {
    const name = ((choice as Body).function as Body | undefined)?.name;
    if ((choice as Body).type === 'function' && typeof name === 'string') {
      if (!tools.some((t) => t.name === name)) {
        throw invalidRequest(`Invalid value for 'tool_choice': function '${preview(name)}' is not among the declared tools.`, 'tool_choice', 'invalid_value');
      }
      return { mode: 'named', name };
    }
  }
  throw invalidRequest(
    'Invalid value for \'tool_choice\': expected \'none\', \'auto\', \'required\' or {"type": "function", "function": {"name": ...}}.',
    'tool_choice',
    'invalid_value',
  );
}

function parseResponseFormat(body: Body): ResponseFormat {
  const rf = body.response_format;
  if (rf === undefined || rf === null) return { type: 'text' };
  if (!isObject(rf)) throw wrongType('response_format', 'an object', rf);
  const type = rf.type;
  if (type === undefined || type === null) throw missing('response_format.type');
  if (type === 'text' || type === 'json_object') return { type };
  if (type === 'json_schema') {
    const js = requireObjectAt(rf, 'json_schema', 'response_format');
    const name = requireStringAt(js, 'name', 'response_format.json_schema');
    if (!TOOL_NAME.test(name)) {
      throw invalidRequest(
        "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' of at most 64 characters.",
        'response_format.json_schema.name',
        'invalid_value',
      );
    }
    if (js.schema !== undefined && js.schema !== null && !isObject(js.schema)) throw wrongType('response_format.json_schema.schema', 'an object', js.schema);
    checkSchemaDepth(js.schema, 'response_format.json_schema.schema');
    if (js.strict !== undefined && js.strict !== null && typeof js.strict !== 'boolean')
      throw wrongType('response_format.json_schema.strict', 'a boolean', js.strict);
    return { type, name, schema: js.schema ?? { type: 'object' } };
  }
  throw invalidValue('response_format.type', type, ['text', 'json_object', 'json_schema']);
}

/** `logit_bias`: token ids (as keys) mapped to biases from -100 to 100. */
function checkLogitBias(bias: unknown): void {
  if (bias === undefined || bias === null) return;
  if (!isObject(bias)) throw wrongType('logit_bias', 'an object', bias);
  for (const [token, value] of Object.entries(bias)) {
    if (!/^\d+$/.test(token))
      throw invalidRequest(`Invalid key in 'logit_bias': ${JSON.stringify(preview(token))}. Keys must be token ids.`, 'logit_bias', 'invalid_value');
    if (typeof value !== 'number' || !Number.isFinite(value) || value < -100 || value > 100) {
      throw invalidRequest(
        `Invalid value for 'logit_bias': ${preview(value)} for token ${preview(token)}; expected a number between -100 and 100.`,
        'logit_bias',
        'invalid_value',
      );
    }
  }
}

/** The text the node tokenizes for the prompt (countChatPromptTokens), with where each piece came from. */
function* promptTexts(messages: readonly ChatMessage[], tools: readonly ToolDefinition[]): Generator<{ text: string; param: string }> {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    yield { text: contentText(m.content), param: `messages[${i}].content` };
    if (m.name !== undefined) yield { text: m.name, param: `messages[${i}].name` };
    if (m.tool_calls !== undefined) yield { text: JSON.stringify(m.tool_calls), param: `messages[${i}].tool_calls` };
  }
  if (tools.length > 0) yield { text: JSON.stringify(tools), param: 'tools' };
}

/** Checks a chat body the way OpenAI would and returns what generation needs. */
export function parseChatRequest(body: Body, model: ModelSpec): ChatRequest {
  if (body.messages === undefined) throw missing('messages');
  if (!Array.isArray(body.messages)) throw wrongType('messages', 'an array', body.messages);
  if (body.messages.length === 0)
    throw invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  const messages = body.messages.map(parseMessage);
  const stream = optionalBoolean(body, 'stream') ?? false;
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!stream) throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', null);
    if (!isObject(streamOptions)) throw wrongType('stream_options', 'an object', streamOptions);
    const includeUsage = streamOptions.include_usage;
    if (includeUsage !== undefined && includeUsage !== null && typeof includeUsage !== 'boolean')
      throw wrongType('stream_options.include_usage', 'a boolean', includeUsage);
  }
  const maxCompletion = optionalInteger(body, 'max_completion_tokens', 1);
  const maxTokens = maxCompletion ?? optionalInteger(body, 'max_tokens', 1);
  if (maxTokens !== undefined && maxTokens > model.max_completion_tokens) {
    const param = maxCompletion !== undefined ? 'max_completion_tokens' : 'max_tokens';
    throw invalidRequest(
      `${param} is too large: ${maxTokens}. This model supports at most ${model.max_completion_tokens} completion tokens, whereas you provided ${maxTokens}.`,
      param,
      'invalid_value',
    );
  }
  const tools = parseTools(body);
  const logprobs = optionalBoolean(body, 'logprobs') ?? false;
  const topLogprobs = optionalInteger(body, 'top_logprobs', 0, 20);
  if (topLogprobs !== undefined && !logprobs)
    throw invalidRequest("Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.", 'top_logprobs', null);
  const seed = optionalInteger(body, 'seed', Number.MIN_SAFE_INTEGER);
  optionalNumber(body, 'top_p', 0, 1);
  optionalNumber(body, 'presence_penalty', -2, 2);
  optionalNumber(body, 'frequency_penalty', -2, 2);
  optionalEnum(body, 'reasoning_effort', ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const);
  optionalString(body, 'user');
  optionalBoolean(body, 'store');
  checkLogitBias(body.logit_bias);
  if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata)) throw wrongType('metadata', 'an object', body.metadata);
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  const n = optionalInteger(body, 'n', 1, 128) ?? 1;
  const perChoice = maxTokens ?? model.max_completion_tokens;
  checkCompletionBudget(
    n * perChoice,
    logprobs ? (topLogprobs ?? 0) : undefined,
    'n',
    `n × max_tokens (${n} × ${perChoice}${maxTokens === undefined ? ", the model's maximum" : ''})`,
  );
  checkTokenizedText(promptTexts(messages, tools));
  return {
    messages,
    n,
    ...(maxTokens !== undefined ? { maxTokens } : { maxOutputTokens: model.max_completion_tokens }),
    ...(temperature !== undefined ? { temperature } : {}),
    stop: stopSequences(body),
    stream,
    includeUsage: Boolean(streamOptions && typeof streamOptions === 'object' && (streamOptions as Body).include_usage === true),
    tools,
    toolChoice: parseToolChoice(body, tools),
    parallelToolCalls: optionalBoolean(body, 'parallel_tool_calls') ?? true,
    responseFormat: parseResponseFormat(body),
    logprobs,
    topLogprobs: topLogprobs ?? 0,
    ...(seed !== undefined ? { seed } : {}),
  };
}
