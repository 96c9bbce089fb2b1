import OpenAI from 'openai';
import { afterEach } from 'vitest';
import { type MockNode, startMockNode } from '../../src/index.ts';

/** Streams without pacing, so tests run at full speed; pacing has its own tests. */
export const FAST_STREAM = { ttft_ms: 0, tokens_per_second: 0, chunk_tokens: 1, usage_chunk: 'always' } as const;

export interface TestNode {
  node: MockNode;
  client: OpenAI;
  close(): Promise<void>;
}

/** A mock node on a free loopback port with the default scenario (or the overrides given), and an SDK client for it. */
export async function startTestNode(
  scenario: Record<string, unknown> = {},
  clientOptions: Partial<ConstructorParameters<typeof OpenAI>[0]> = {},
): Promise<TestNode> {
  const node = await startMockNode({ port: 0, scenario: { version: 1, stream: FAST_STREAM, ...scenario } });
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: node.url, maxRetries: 0, ...clientOptions });
  return { node, client, close: () => node.close() };
}

/** The `data:` payloads of an SSE body, in order, plus the raw text for framing checks. */
export function sseData(raw: string): string[] {
  return raw
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      return lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
    });
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface JsonReply {
  status: number;
  headers: Headers;
  /** The parsed body, or {} when it is not JSON (an SSE stream); `text` has it raw. */
  body: Json;
  text: string;
}

/** A raw request to a node path (e.g. `/v1/balance/info`), JSON in and out. */
export async function callNode(
  node: MockNode,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  const res = await fetch(`${node.origin}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: Json = {};
  try {
    body = JSON.parse(text) as Json;
  } catch {
    // not JSON (an SSE stream); the text is kept
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** The rejection of a promise; fails the test when the promise resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

/**
 * A factory of mock nodes (default scenario plus overrides, unpaced streams) that are all closed
 * after each test. Call it at the top level of a test file.
 */
export function mockNodesClosedAfterEach(): (scenario?: Record<string, unknown>) => Promise<MockNode> {
  const open: MockNode[] = [];
  afterEach(async () => {
    while (open.length > 0) await open.pop()!.close();
  });
  return async (scenario = {}) => {
    const node = await startMockNode({ port: 0, scenario: { version: 1, stream: { ttft_ms: 0, tokens_per_second: 0 }, ...scenario } });
    open.push(node);
    return node;
  };
}
