/**
 * Error bodies. Strict is the OpenAI envelope. Lenient also takes the two shapes real Routstr nodes send:
 * the OpenAI-style envelope without `param` plus a `request_id`, and FastAPI's `detail` with an optional
 * `error` copy and a `request_id`.
 */
import { type TieredSchema, nullableString, object, string } from './common.ts';

export const errorEnvelope: TieredSchema = {
  strict: object({ error: object({ message: string, type: string, param: nullableString, code: nullableString }, ['message', 'type', 'param', 'code']) }, [
    'error',
  ]),
  lenient: {
    anyOf: [
      // The SDK takes message, type, code and param from `error`; only the message matters to it.
      object(
        {
          error: object({ message: string, type: string, param: nullableString, code: { type: ['string', 'integer', 'null'] } }, ['message']),
          request_id: string,
        },
        ['error'],
      ),
      object({ detail: {}, error: { type: 'object' }, request_id: string }, ['detail', 'request_id']),
    ],
  },
};
