import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { DomainError } from '../errors/domain-error';

/**
 * The outbound address policy: every host an admin types (webhook URLs, IMAP and SMTP
 * servers) is resolved, and every address it resolves to is checked, before anything
 * connects. Only public unicast addresses pass; `OUTBOUND_ALLOW_PRIVATE=true` lets
 * loopback, private, link-local and unique-local targets through for self-hosted set-ups
 * and tests, but never the cloud metadata endpoints, multicast, broadcast or 0.0.0.0.
 *
 * Callers connect to the address that was checked (not to the name again), so a DNS
 * answer that changes between the check and the connection (rebinding) cannot slip by.
 */
export interface OutboundPolicy {
  allowPrivate: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the system resolver: /etc/hosts, then DNS). */
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Cloud instance metadata (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS ECS/IPv6 variants). Never reachable. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200']);

/** Ranges that `OUTBOUND_ALLOW_PRIVATE=true` opens; anything else that is not public unicast stays refused. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

/**
 * The range an IP address belongs to: `unicast` for a public address, else a name such
 * as `loopback`, `private`, `linkLocal`, `metadata`, `ipv4Compatible`. IPv4-mapped
 * (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses are judged by the IPv4 address
 * they carry. Throws on something that is not an IP address.
 */
export function addressRange(ip: string): string {
  const bare = stripBrackets(ip);
  // The zone (fe80::1%eth0) says which interface, not which range.
  const noZone = bare.split('%')[0];
  if (!isIP(noZone)) throw new Error(`not an IP address: ${ip}`);
  // ipaddr.js reads ::a.b.c.d as IPv4-mapped; the WHATWG parser writes it the way the stack sees it (::7f00:1).
  const canonical = isIP(noZone) === 6 ? stripBrackets(new URL(`http://[${noZone}]/`).hostname) : noZone;
  const parsed = ipaddr.parse(canonical);
  if (METADATA.has(parsed.toNormalizedString()) || METADATA.has(parsed.toString())) return 'metadata';
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return addressRange(v6.toIPv4Address().toString());
    const p = v6.parts;
    // NAT64 well-known prefix: the gateway connects to the embedded IPv4 address.
    if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) {
      return addressRange(`${p[6] >> 8}.${p[6] & 0xff}.${p[7] >> 8}.${p[7] & 0xff}`);
    }
    // Deprecated IPv4-compatible ::a.b.c.d (ipaddr.js calls it unicast): some stacks still route it as IPv4.
    if (p.slice(0, 6).every((x) => x === 0) && !(p[6] === 0 && p[7] <= 1)) return 'ipv4Compatible';
  }
  return parsed.range();
}

/** Why an address is refused under this policy, or null when it may be connected to. */
export function refusalOf(ip: string, policy: OutboundPolicy): string | null {
  const range = addressRange(ip);
  if (range === 'unicast') return null;
  if (policy.allowPrivate && PRIVATE_RANGES.has(range)) return null;
  return range;
}

/** A target refused by the policy. The message says so without naming internal addresses. */
export class OutboundAddressRefusedError extends Error {
  readonly code = 'OUTBOUND_ADDRESS_REFUSED';
  constructor(
    readonly host: string,
    readonly range: string,
  ) {
    super(`address refused by outbound policy: ${host} is ${isIP(stripBrackets(host)) ? 'a' : 'resolved to a'} ${RANGE_WORDS[range] ?? range} address`);
    this.name = 'OutboundAddressRefusedError';
  }
}

const RANGE_WORDS: Record<string, string> = {
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local (private IPv6)',
  carrierGradeNat: 'carrier-grade NAT',
  metadata: 'cloud metadata',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
  ipv4Compatible: 'IPv4-compatible IPv6',
};

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Resolves `host` and checks every address it resolves to; one refused address refuses
 * the host (a name that mixes a public and a private address is a rebinding tool).
 * Returns the checked addresses in resolver order: connect to one of these.
 * DNS failures are thrown as the resolver's error (ENOTFOUND...).
 */
export async function resolveOutbound(host: string, policy: OutboundPolicy, resolve: HostResolver = systemResolver): Promise<ResolvedAddress[]> {
  const bare = stripBrackets(host.trim());
  const family = isIP(bare);
  // An IP literal is used as it is: the resolver would also accept it, and odd spellings
  // (2130706433, 0x7f.1, 127.1) only reach here as names, which the resolver turns into 127.0.0.1.
  const addresses = family ? [{ address: bare, family: family as 4 | 6 }] : await resolve(bare);
  if (!addresses.length) throw Object.assign(new Error(`${bare} has no address`), { code: 'ENOTFOUND' });
  for (const a of addresses) {
    const refused = refusalOf(a.address, policy);
    if (refused) throw new OutboundAddressRefusedError(bare, refused);
  }
  return addresses;
}

/**
 * Where to connect for `host`: the first checked address, and the name TLS must verify
 * the certificate against (absent for IP literals).
 */
export async function pinOutbound(host: string, policy: OutboundPolicy, resolve?: HostResolver): Promise<{ address: string; servername: string | undefined }> {
  const [first] = await resolveOutbound(host, policy, resolve);
  const bare = stripBrackets(host.trim());
  return { address: first.address, servername: isIP(bare) ? undefined : bare };
}

/**
 * Configuration-time check of the hosts an admin typed, reported per field as a 400
 * (`OUTBOUND_ADDRESS_REFUSED`). A host that does not resolve (yet) is accepted here:
 * every connection checks again anyway, after its own lookup.
 */
export async function assertOutboundHosts(hosts: Record<string, string>, policy: OutboundPolicy, resolve?: HostResolver): Promise<void> {
  const fields: Record<string, string[]> = {};
  await Promise.all(
    Object.entries(hosts).map(async ([field, host]) => {
      try {
        await resolveOutbound(host, policy, resolve);
      } catch (err) {
        if (err instanceof OutboundAddressRefusedError) {
          fields[field] = [`${err.message}; set OUTBOUND_ALLOW_PRIVATE=true to allow private targets on a self-hosted set-up`];
        }
      }
    }),
  );
  const names = Object.keys(fields).sort();
  if (names.length) {
    throw new DomainError('OUTBOUND_ADDRESS_REFUSED', `${names.join(', ')}: address refused by outbound policy`, { fields });
  }
}

/** True when `err`, or an error it wraps (fetch wraps socket errors in `cause`), is a policy refusal. */
export function isOutboundRefusal(err: unknown): err is OutboundAddressRefusedError {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof OutboundAddressRefusedError || (e as { code?: string }).code === 'OUTBOUND_ADDRESS_REFUSED') return true;
  }
  return false;
}
