import { isIP } from 'node:net';

/** What express's `trust proxy` and proxy-addr accept: nothing, a hop count, or addresses/subnets/names. */
export type TrustedProxies = false | number | string[];

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `TRUSTED_PROXIES`: `none` (believe no X-Forwarded-For), a hop count (`1` = the one proxy in
 * front appends the client), or a comma list of `loopback`, `linklocal`, `uniquelocal`, IPs and
 * CIDRs. Throws a message naming the bad part.
 */
export function parseTrustedProxies(raw: string): TrustedProxies {
  const v = raw.trim().toLowerCase();
  if (v === 'none' || v === 'false' || v === '0') return false;
  if (/^\d+$/.test(v)) return Number(v);
  const parts = v
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of parts) {
    if (NAMES.has(p)) continue;
    const [ip, bits, extra] = p.split('/');
    const family = isIP(ip);
    const maxBits = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      throw new Error(`"${p}" is not none, a hop count, loopback, linklocal, uniquelocal, an IP or a CIDR`);
    }
  }
  if (!parts.length) throw new Error('is empty');
  return parts;
}

/** `CORS_ORIGINS`: comma list of exact origins (`https://app.example.com`); default the PUBLIC_URL's origin. */
export function parseOrigins(raw: string | undefined, publicUrl: string): string[] {
  if (!raw) return [new URL(publicUrl).origin];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let u: URL;
      try {
        u = new URL(o);
      } catch {
        throw new Error(`"${o}" is not an origin like https://app.example.com`);
      }
      if (!/^https?:$/.test(u.protocol) || u.origin !== o.replace(/\/$/, '')) throw new Error(`"${o}" is not an origin like https://app.example.com`);
      return u.origin;
    });
}
