import type { FastifyRequest } from 'fastify';
import { freeCost, reservationMsats } from '../payment/billing.ts';
import type { Payer, Payments } from '../payment/payments.ts';
import type { ModelSpec } from '../scenario/types.ts';
import { NodeError } from './errors.ts';

/** Authenticates the caller and reserves the model's discounted max cost, as real nodes do first. */
export function authorizeRequest(payments: Payments, request: FastifyRequest, model: ModelSpec, body: Record<string, unknown>): Payer {
  return payments.authorize(request.headers, model, reservationMsats(model, body));
}

/**
 * Undoes a payment after a failure and gives the error the client should see. On the X-Cashu
 * path real nodes refund the whole token and answer with the upstream's status and a fixed body
 * carrying the refund token (also in the X-Cashu header).
 */
export function failedPayment(payments: Payments, payer: Payer, err: unknown): unknown {
  const { refundToken } = payments.fail(payer);
  if (payer.mode !== 'xcashu' || !(err instanceof NodeError)) return err;
  return new NodeError(
    err.status,
    {
      family: 'upstream',
      error: {
        message: 'Error forwarding request to upstream',
        type: 'upstream_error',
        code: err.status,
        ...(refundToken ? { refund_token: refundToken } : {}),
      },
    },
    refundToken ? { 'x-cashu': refundToken } : {},
  );
}

/**
 * Runs the work of an endpoint real 0.4.5 nodes pass through without usage (images, audio, legacy
 * completions): the caller must hold the reservation, but the request is charged nothing, and an
 * X-Cashu token is kept whole (no change).
 */
export async function chargeNothing<T>(payments: Payments, payer: Payer, work: () => T | Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (err) {
    throw failedPayment(payments, payer, err);
  }
  payments.settle(payer, freeCost(), false);
  return result;
}
