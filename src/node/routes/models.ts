import type { FastifyInstance } from 'fastify';
import { modelListing } from '../../payment/pricing.ts';
import type { RouteOptions } from './chat.ts';

/** GET /models: Routstr's `{"data": [...]}` (no top-level `object` on real nodes; we add it, see README). */
export async function modelRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  const list = () => {
    const { scenario } = opts.context();
    return { object: 'list', data: scenario.models.map((m) => modelListing(m, scenario.btc_usd)) };
  };
  app.get('/models', async () => list());
  app.get('/models/', async () => list());
}
