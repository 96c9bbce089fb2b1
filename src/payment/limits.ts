/**
 * The one ceiling on money the node holds exactly. Every door that lets money in (tokens, top-ups,
 * the control plane, scenario keys) refuses an amount that would put one account above it.
 *
 * 2^40 msats (~11 BTC): the fake mint issues refund and change tokens of at most 2^40 units
 * (MAX_MINT_AMOUNT), so any balance can always be paid back in one token, msat or sat.
 */
export const MAX_ACCOUNT_MSATS = 2 ** 40;

/**
 * All money a node ever takes in (initial + credited), so that every total the ledger forms
 * (credited, charged, refunded, Σ balances) stays a safe integer and exact.
 */
export const MAX_LEDGER_MSATS = Number.MAX_SAFE_INTEGER;
