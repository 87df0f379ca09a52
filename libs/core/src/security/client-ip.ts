import proxyaddr from 'proxy-addr';
import type { TrustedProxies } from '../config/proxy-and-origins';

export type TrustFn = (address: string, hop: number) => boolean;

/** The same trust rule express applies for `app.set('trust proxy', …)`, for places without an express request (sockets). */
export function compileTrust(trusted: TrustedProxies): TrustFn {
  if (trusted === false) return () => false;
  if (typeof trusted === 'number') return (_a, hop) => hop < trusted;
  return proxyaddr.compile(trusted);
}

/**
 * The client's address: X-Forwarded-For is read right to left and believed only while the hop
 * that added an entry is a trusted proxy, so a client's own header cannot choose its address.
 */
export function clientIpOf(remoteAddress: string | undefined, headers: Record<string, string | string[] | undefined>, trust: TrustFn): string {
  // proxy-addr reads only these fields of the request; a socket handshake has them too.
  const req = { socket: { remoteAddress }, connection: { remoteAddress }, headers } as unknown as Parameters<typeof proxyaddr>[0];
  return proxyaddr(req, trust) ?? remoteAddress ?? 'unknown';
}
