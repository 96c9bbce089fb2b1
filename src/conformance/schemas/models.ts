/** `GET /v1/models`. */
import { type TieredSchema, arrayOf, constant, integer, number, object, string } from './common.ts';

export const modelsList: TieredSchema = {
  strict: object(
    {
      object: constant('list'),
      data: arrayOf(
        object({ id: string, object: constant('model'), created: integer, owned_by: string, shutdown_date: { type: ['string', 'null'], format: 'date' } }, [
          'id',
          'object',
          'created',
          'owned_by',
        ]),
      ),
    },
    ['object', 'data'],
  ),
  // The SDK pages over `data`; callers pick models by id.
  lenient: object({ data: arrayOf(object({ id: string, object: constant('model'), created: number, owned_by: string }, ['id'])) }, ['data']),
};
