import { authorizeRequest, chargeNothing } from '../paid-request.ts';
import type { FastifyInstance } from 'fastify';
import { renderPngInSlices } from '../../generate/png.ts';
import { hashSeed } from '../../generate/random.ts';
import { tokenizerFor } from '../../generate/tokens.ts';
import { alwaysBase64, parseImagesRequest } from '../../requests/images.ts';
import { jsonBody } from '../body.ts';
import { pathNotFound } from '../errors.ts';
import { unlessClientLeaves } from '../faults.ts';
import type { RouteOptions } from './chat.ts';

/** Image files are named by seed and size, so the URL alone regenerates the same bytes: no storage. */
const FILE_NAME = /^([0-9a-f]{8})-(\d{1,4})x(\d{1,4})\.png$/;
const MAX_SIDE = 2048;

/** Recently rendered images, so a client fetching a URL right after generation does not pay twice. */
class PngCache {
  private readonly entries = new Map<string, Buffer>();
  constructor(private readonly limit: number) {}
  get(key: string): Buffer | undefined {
    const png = this.entries.get(key);
    if (png) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, png);
    }
    return png;
  }
  set(key: string, png: Buffer): void {
    this.entries.delete(key);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, png);
  }
}

export async function imageRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  const cache = new PngCache(16);
  const png = async (seed: number, width: number, height: number, signal: AbortSignal): Promise<Buffer> => {
    const key = `${seed}-${width}x${height}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const rendered = await opts.heavyWork.pictures.run(() => renderPngInSlices(seed, width, height, signal), signal);
    cache.set(key, rendered);
    return rendered;
  };

  app.post('/images/generations', async (request, reply) => {
    const ctx = opts.context();
    const body = jsonBody(request);
    const model = ctx.resolveModel(body.model);
    const payer = authorizeRequest(ctx.payments, request, model, body);
    // Pictures take up to a second to render (in slices), and may first wait for a render slot: a
    // client that goes away meanwhile stops the work, is not answered, and is not charged.
    return unlessClientLeaves(request, reply, (signal) =>
      chargeNothing(ctx.payments, payer, async () => {
        ctx.requireKind(model, ['image'], '/v1/images/generations');
        const req = parseImagesRequest(body, model);
        const origin = `${request.protocol}://${request.headers.host ?? `${request.hostname}`}`;
        const data: Record<string, string>[] = [];
        // One picture at a time: each waits for a render slot, so two requests' pictures take turns.
        for (let index = 0; index < req.n; index++) {
          const seed = hashSeed(ctx.scenario.seed, model.id, req.prompt, req.quality, req.style, index);
          const revised: Record<string, string> = model.id.startsWith('dall-e-3') ? { revised_prompt: `A detailed rendering of: ${req.prompt}` } : {};
          if (req.responseFormat === 'b64_json') {
            data.push({ b64_json: (await png(seed, req.width, req.height, signal)).toString('base64'), ...revised });
          } else {
            const name = `${seed.toString(16).padStart(8, '0')}-${req.width}x${req.height}.png`;
            data.push({ url: `${origin}/v1/images/files/${name}`, ...revised });
          }
        }
        const created = Math.floor(Date.now() / 1000);
        if (!alwaysBase64(model.id)) return { created, data };
        const promptTokens = tokenizerFor(model.id).count(req.prompt);
        const outputTokens = 1056 * req.n;
        return {
          created,
          data,
          background: 'opaque',
          output_format: 'png',
          ...(['1024x1024', '1536x1024', '1024x1536'].includes(req.size) ? { size: req.size } : {}),
          quality: req.quality && ['low', 'medium', 'high'].includes(req.quality) ? req.quality : 'medium',
          usage: {
            input_tokens: promptTokens,
            output_tokens: outputTokens,
            total_tokens: promptTokens + outputTokens,
            input_tokens_details: { text_tokens: promptTokens, image_tokens: 0 },
          },
        };
      }),
    );
  });

  app.get<{ Params: { name: string } }>('/images/files/:name', async (request, reply) => {
    const match = FILE_NAME.exec(request.params.name);
    const width = Number(match?.[2]);
    const height = Number(match?.[3]);
    if (!match || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) throw pathNotFound(request.url);
    return unlessClientLeaves(request, reply, async (signal) =>
      reply
        .header('content-type', 'image/png')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(await png(Number.parseInt(match[1]!, 16), width, height, signal)),
    );
  });
}
