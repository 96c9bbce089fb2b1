/**
 * Fetching an image URL a node handed out. The URL is the node's text, so it may point anywhere
 * the runner can reach (an admin endpoint on loopback, a cloud metadata address): it is fetched
 * only on the node's own origin unless the user allows foreign URLs, redirects are followed by
 * hand so each hop passes the same test, and no credential is ever sent with it.
 */
import { type HttpResult, httpRequest } from '../http.ts';
import type { CheckContext } from '../types.ts';
import { checkHeaders } from './util.ts';

/** Redirect hops followed on the way to an image (a CDN often redirects once or twice). */
const MAX_HOPS = 5;

/** Whether `url` is on the same origin (scheme, host, port) as the node. */
export function onNodeOrigin(url: string, nodeOrigin: string): boolean {
  return URL.canParse(url) && URL.canParse(nodeOrigin) && new URL(url).origin === new URL(nodeOrigin).origin;
}

export type ImageFetch =
  | { kind: 'fetched'; res: HttpResult; url: string }
  /** Not fetched: `url` is off the node's origin (`via` the node's redirect when one led there). */
  | { kind: 'foreign'; url: string; via?: string };

/** Fetches an image URL under the check's timeouts; stops before any foreign hop unless allowed. */
export async function fetchImageUrl(ctx: CheckContext, url: string): Promise<ImageFetch> {
  let target = url;
  let via: string | undefined;
  for (let hop = 0; ; hop++) {
    if (!ctx.allowForeignImageUrls && !onNodeOrigin(target, ctx.origin)) return { kind: 'foreign', url: target, ...(via ? { via } : {}) };
    // Only the check's name: never the Bearer credential or a Cashu token, wherever the URL points.
    const res = await httpRequest({ url: target, headers: checkHeaders(ctx), timeouts: ctx.timeouts, signal: ctx.signal });
    const location = !res.ok && res.kind === 'redirect' ? res.headers?.get('location') : null;
    if (location === null || location === undefined || hop >= MAX_HOPS || !URL.canParse(location, target)) return { kind: 'fetched', res, url: target };
    via = target;
    target = new URL(location, target).href;
    if (!/^https?:$/.test(new URL(target).protocol)) return { kind: 'fetched', res, url: target };
  }
}
