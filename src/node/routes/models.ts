import type { FastifyInstance } from 'fastify';
import { modelListing } from '../../payment/pricing.ts';
import { invalidModel } from '../errors.ts';
import type { RouteOptions } from './chat.ts';

/** GET /models: Routstr's `{"data": [...]}` (no top-level `object` on real nodes; we add it, see README). */
export async function modelRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  const list = () => {
    const { scenario } = opts.context();
    return { object: 'list', data: scenario.models.map((m) => modelListing(m, scenario.btc_usd)) };
  };
  app.get('/models', async () => list());
  app.get('/models/', async () => list());
  // Real nodes have no GET /v1/models/{id}: the proxy catches it, finds no `model` in the empty
  // body and answers 400 "Model 'unknown' not found". The mock answers the same, so a client
  // that relies on `models.retrieve()` finds out here rather than against a real node.
  app.get('/models/:id', async () => {
    throw invalidModel('unknown');
  });
}
