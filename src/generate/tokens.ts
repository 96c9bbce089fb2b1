import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';

/** Real BPE tokenizers (OpenAI's cl100k_base and o200k_base) for usage counts and stream chunking. */
export interface Tokenizer {
  readonly name: 'cl100k_base' | 'o200k_base';
  encode(text: string): number[];
  decode(ids: number[]): string;
  count(text: string): number;
  /** The text cut on token boundaries; the pieces concatenate back to exactly `text`. */
  pieces(text: string): string[];
}

function makeTokenizer(name: Tokenizer['name'], enc: typeof o200k): Tokenizer {
  return {
    name,
    encode: (text) => enc.encode(text, { disallowedSpecial: new Set() }),
    decode: (ids) => enc.decode(ids),
    count: (text) => enc.encode(text, { disallowedSpecial: new Set() }).length,
    pieces(text) {
      const ids = enc.encode(text, { disallowedSpecial: new Set() });
      const out: string[] = [];
      let pending: number[] = [];
      for (const id of ids) {
        pending.push(id);
        const piece = enc.decode(pending);
        // A token can end inside a multi-byte character; hold it until the character is complete.
        if (piece.endsWith('\uFFFD')) continue;
        out.push(piece);
        pending = [];
      }
      if (pending.length) out.push(enc.decode(pending));
      return out.join('') === text ? out : [text];
    },
  };
}

const O200K = makeTokenizer('o200k_base', o200k);
const CL100K = makeTokenizer('cl100k_base', cl100k as unknown as typeof o200k);

/** The tokenizer OpenAI uses for a model id; `declared` (a scenario's `tokenizer`) wins when given. */
export function tokenizerFor(modelId: string, declared?: string): Tokenizer {
  if (declared === 'cl100k_base') return CL100K;
  if (declared === 'o200k_base') return O200K;
  return /^(gpt-3\.5|gpt-4(?![o.]|-turbo-?2024)|text-embedding|text-davinci|davinci|babbage)/i.test(modelId) ? CL100K : O200K;
}

export interface PromptMessage {
  role?: unknown;
  content?: unknown;
  name?: unknown;
  tool_calls?: unknown;
}

/** Text of a message's content, whether a string or an array of content parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

/** Image parts cost tokens too; OpenAI's low-detail rate is a flat 85 per image. */
function imagePartCount(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  return content.filter((p) => p && typeof p === 'object' && (p as { type?: unknown }).type === 'image_url').length;
}

/**
 * Prompt tokens the way OpenAI counts chat input: 3 tokens of framing per message, the role and
 * content tokens, 1 for a name, 3 to prime the reply, plus the serialised tool definitions.
 */
export function countChatPromptTokens(tok: Tokenizer, messages: readonly PromptMessage[], tools?: unknown): number {
  let total = 3;
  for (const m of messages) {
    total += 3;
    if (typeof m.role === 'string') total += tok.count(m.role);
    total += tok.count(contentText(m.content)) + 85 * imagePartCount(m.content);
    if (typeof m.name === 'string') total += 1 + tok.count(m.name);
    if (m.tool_calls !== undefined) total += tok.count(JSON.stringify(m.tool_calls));
  }
  if (Array.isArray(tools) && tools.length > 0) total += tok.count(JSON.stringify(tools));
  return total;
}
