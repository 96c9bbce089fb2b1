import OpenAI, { toFile } from 'openai';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '../../src/generate/audio/speech.ts';
import { type MockNode, startMockNode } from '../../src/index.ts';
import { FAST_STREAM } from '../helpers/node.ts';

/**
 * Every example of shared/seed/using-the-api.md, in JavaScript, against the mock with only the
 * base URL changed (the Python ones translated one to one). The key is the docs' literal "sk-...".
 */
let node: MockNode;
let baseURL: string;
let client: OpenAI;

beforeAll(async () => {
  node = await startMockNode({ port: 0, scenario: { version: 1, stream: FAST_STREAM } });
  baseURL = node.url;
  client = new OpenAI({ apiKey: 'sk-...', baseURL });
});
afterAll(() => node.close());

describe('Basic setup', () => {
  it('JavaScript/TypeScript: chat with a system prompt', async () => {
    const openai = new OpenAI({ apiKey: 'sk-...', baseURL });
    const completion = await openai.chat.completions.create({
      model: 'gpt-3.5-turbo',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello!' },
      ],
    });
    expect(typeof completion.choices[0]!.message.content).toBe('string');
    expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });

  it('cURL: raw POST with a Bearer key', async () => {
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-...' },
      body: JSON.stringify({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Hello!' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { object: string; choices: { message: { content: string } }[] };
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
  });
});

describe('Common use cases', () => {
  it('Chat completions: conversation history with temperature and max_tokens', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [];
    const chat = async (userInput: string) => {
      messages.push({ role: 'user', content: userInput });
      const response = await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages, temperature: 0.7, max_tokens: 150 });
      const aiMessage = response.choices[0]!.message;
      messages.push({ role: 'assistant', content: aiMessage.content });
      expect(response.usage!.completion_tokens).toBeLessThanOrEqual(150);
      return aiMessage.content;
    };
    expect(await chat("What's the weather like?")).toBeTruthy();
    expect(await chat('How should I dress?')).toBeTruthy();
    expect(messages).toHaveLength(4);
  });

  it('Streaming responses: the guarded loop prints the whole story', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Write a short story' }], stream: true });
    let printed = '';
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content != null) printed += chunk.choices[0].delta.content;
    }
    expect(printed.length).toBeGreaterThan(100);
  });

  it("Streaming responses: the docs' naive loop trips on the final usage chunk, as on real nodes", async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Write a short story' }], stream: true });
    let printed = '';
    const naive = async () => {
      for await (const chunk of stream) {
        // Exactly the Python example: chunk.choices[0].delta.content
        if (chunk.choices[0]!.delta.content != null) printed += chunk.choices[0]!.delta.content;
      }
    };
    await expect(naive()).rejects.toThrow(TypeError);
    expect(printed.length).toBeGreaterThan(100);
  });

  it('Streaming responses: the naive loop works with `stream.usage_chunk: requested`', async () => {
    const plain = await startMockNode({ port: 0, scenario: { version: 1, stream: { ...FAST_STREAM, usage_chunk: 'requested' } } });
    try {
      const c = new OpenAI({ apiKey: 'sk-...', baseURL: plain.url });
      const stream = await c.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Write a short story' }], stream: true });
      let printed = '';
      for await (const chunk of stream) {
        if (chunk.choices[0]!.delta.content != null) printed += chunk.choices[0]!.delta.content;
      }
      expect(printed.length).toBeGreaterThan(100);
    } finally {
      await plain.close();
    }
  });

  it('Function calling: get_weather for Tokyo', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get current weather',
          parameters: {
            type: 'object',
            properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
            required: ['location'],
          },
        },
      },
    ];
    const response = await client.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: "What's the weather in Tokyo?" }],
      tools,
      tool_choice: 'auto',
    });
    const toolCall = response.choices[0]!.message.tool_calls![0]!;
    expect(toolCall.type).toBe('function');
    if (toolCall.type !== 'function') return;
    expect(toolCall.function.name).toBe('get_weather');
    const args = JSON.parse(toolCall.function.arguments) as { location: string; unit?: string };
    expect(args.location).toBe('Tokyo');
    if (args.unit !== undefined) expect(['celsius', 'fahrenheit']).toContain(args.unit);
    expect(response.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('Embeddings: text-embedding-3-small has 1536 dimensions', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'The quick brown fox jumps over the lazy dog' });
    const embedding = response.data[0]!.embedding;
    expect(embedding).toHaveLength(1536);
  });

  it('Image generation: dall-e-3 returns a URL the mock serves as a real PNG', async () => {
    const response = await client.images.generate({
      model: 'dall-e-3',
      prompt: 'A futuristic city with flying cars',
      size: '1024x1024',
      quality: 'standard',
      n: 1,
    });
    const imageUrl = response.data![0]!.url!;
    expect(imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const png = await fetch(imageUrl);
    expect(png.headers.get('content-type')).toBe('image/png');
    const image = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
    expect([image.width, image.height]).toEqual([1024, 1024]);
  });

  it('Audio transcription: an mp3 upload with response_format text', async () => {
    const mp3 = (await synthesizeSpeech('Hello there, this is a short recording for the transcription example.', 1, 'mp3')).bytes;
    const response = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(mp3, 'audio.mp3'), response_format: 'text' });
    expect(typeof response).toBe('string');
    expect((response as unknown as string).trim().length).toBeGreaterThan(0);
  });
});

describe('Error handling', () => {
  it('Rate limiting: the retry wrapper returns the first successful result', async () => {
    const makeRequestWithRetry = async <T>(fn: () => Promise<T>, maxRetries = 3, initialDelay = 10): Promise<T | null> => {
      for (let attempt = 0; attempt < maxRetries; attempt++) {
        try {
          return await fn();
        } catch (e) {
          if (String(e).includes('rate_limit') && attempt < maxRetries - 1) await new Promise((r) => setTimeout(r, initialDelay * 2 ** attempt));
          else throw e;
        }
      }
      return null;
    };
    const result = await makeRequestWithRetry(() => client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(result?.choices[0]?.message.content).toBeTruthy();
  });

  it('Connection errors: a client with a timeout and max_retries works', async () => {
    const c = new OpenAI({ apiKey: 'sk-...', baseURL, timeout: 60_000, maxRetries: 2 });
    const r = await c.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.choices).toHaveLength(1);
  });
});

describe('Advanced features', () => {
  it('Custom headers: a client sending X-Custom-Header works', async () => {
    const c = new OpenAI({ apiKey: 'sk-...', baseURL, defaultHeaders: { 'X-Custom-Header': 'value' } });
    const r = await c.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.choices[0]!.message.content).toBeTruthy();
  });

  it('Async operations: concurrent requests all answer', async () => {
    const results = await Promise.all(
      ['Hello', 'How are you?', "What's 2+2?"].map((msg) =>
        client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: msg }] }),
      ),
    );
    expect(results.map((r) => r.choices[0]!.message.content).every(Boolean)).toBe(true);
  });
});

describe('Best practices', () => {
  it('Environment variables: ROUTSTR_BASE_URL and ROUTSTR_API_KEY', async () => {
    const env = { ROUTSTR_API_KEY: 'sk-...', ROUTSTR_BASE_URL: baseURL } as Record<string, string>;
    const c = new OpenAI({ apiKey: env.ROUTSTR_API_KEY, baseURL: env.ROUTSTR_BASE_URL ?? 'https://api.routstr.com/v1' });
    expect((await c.models.list()).data.length).toBeGreaterThan(0);
  });

  it('Error logging and cost tracking: usage.total_tokens is a real count', async () => {
    const response = await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Tell me about bitcoin' }] });
    const usage = response.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.prompt_tokens).toBeGreaterThan(5);
    const estimatedCost = (usage.total_tokens / 1000) * 0.002;
    expect(estimatedCost).toBeGreaterThan(0);
  });

  it('Caching responses: temperature 0 gives the same answer for the same prompt', async () => {
    const cached = async (prompt: string) =>
      (await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: prompt }], temperature: 0 })).choices[0]!.message
        .content;
    expect(await cached('What is 2+2?')).toBe(await cached('What is 2+2?'));
  });
});

describe('Testing', () => {
  it('Integration tests: models list and a 5-token completion', async () => {
    const models = await client.models.list();
    expect(models.data.length).toBeGreaterThan(0);
    const response = await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'test' }], max_tokens: 5 });
    expect(response.choices[0]!.message.content).toBeTruthy();
    expect(response.usage!.completion_tokens).toBeLessThanOrEqual(5);
  });
});
