import { describe, expect, it } from 'vitest';
import { costFromUsage, formatMsats, maxCostMsats, reservationMsats } from '../../src/payment/billing.ts';
import { satsPricing, usdPricing } from '../../src/payment/pricing.ts';
import { loadScenario } from '../../src/scenario/loader.ts';

const model = loadScenario('default').models.find((m) => m.id === 'gpt-4o-mini')!;

describe('pricing and billing maths (routstr-core 0.4.5)', () => {
  it('publishes sats and USD per token and the max costs', () => {
    const sats = satsPricing(model);
    expect(sats.prompt).toBeCloseTo(150e-6, 12);
    expect(sats.max_cost).toBeCloseTo((128000 - 16384) * 150e-6 + 16384 * 600e-6, 9);
    expect(usdPricing(model, 100000).prompt).toBeCloseTo(150e-6 * 0.001, 15);
  });

  it('reserves the max cost less 1 %, discounted for short prompts and small max_tokens', () => {
    const full = maxCostMsats(model);
    expect(full).toBe(Math.trunc(((128000 - 16384) * 0.15 + 16384 * 0.6) * 0.99));
    const body = { messages: [{ role: 'user', content: 'x'.repeat(300) }], max_tokens: 100 };
    const promptDelta = Math.floor(((128000 - 16384) * 150e-6 * 0.99 - 100 * 150e-6) * 1000);
    const completionDelta = Math.floor((16384 * 600e-6 * 0.99 - 100 * 600e-6) * 1000);
    expect(reservationMsats(model, body)).toBe(full - promptDelta - completionDelta);
    expect(reservationMsats(model, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 16384 })).toBeLessThan(full);
  });

  it('estimates the prompt from every part the model bills: tool definitions, tool calls and names too (real nodes count text parts only)', () => {
    const tools = [{ type: 'function', function: { name: 'f', description: 'd'.repeat(3000) } }];
    const plain = reservationMsats(model, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 });
    const withTools = reservationMsats(model, { messages: [{ role: 'user', content: 'hi' }], tools, max_tokens: 10 });
    expect(withTools - plain).toBeGreaterThanOrEqual(Math.floor((JSON.stringify(tools).length / 3) * 0.15) - 1);
    const calls = [{ id: 'c', type: 'function', function: { name: 'f', arguments: 'x'.repeat(3000) } }];
    expect(reservationMsats(model, { messages: [{ role: 'assistant', content: null, tool_calls: calls }], max_tokens: 10 })).toBeGreaterThan(plain + 100);
    // n choices of max_tokens each.
    const extra = reservationMsats(model, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, n: 4 }) - plain;
    expect(extra).toBeGreaterThanOrEqual(17); // 3 × 10 more completion tokens at 0.6 msats, give or take a floor
    expect(extra).toBeLessThanOrEqual(19);
  });

  it('costs ceil of the rounded per-kind costs; output msats truncated, input the rest', () => {
    const cost = costFromUsage(model, 8, 9, 100000);
    // 8 × 0.15 = 1.2 and 9 × 0.6 = 5.4 msats → ceil(6.6) = 7, output 5, input 2.
    expect([cost.total_msats, cost.input_msats, cost.output_msats]).toEqual([7, 2, 5]);
    expect(cost.total_usd).toBeCloseTo(7e-6, 12);
    expect(costFromUsage(model, 0, 0, 100000).total_msats).toBe(0);
  });

  it('formats amounts as real 402 messages do', () => {
    expect(formatMsats(243332)).toBe('243.332 sats (243332 msats)');
    expect(formatMsats(3)).toBe('0.003 sats (3 msats)');
    expect(formatMsats(5000)).toBe('5 sats (5000 msats)');
  });
});
