/** A number as JSON.stringify writes it, for JSON text written by hand. */
export const jsonNumber = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');
