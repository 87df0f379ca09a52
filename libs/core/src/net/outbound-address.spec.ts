import { DomainError } from '../errors/domain-error';
import {
  HostResolver,
  OutboundAddressRefusedError,
  addressRange,
  assertOutboundHosts,
  isOutboundRefusal,
  pinOutbound,
  refusalOf,
  resolveOutbound,
  systemResolver,
} from './outbound-address';

const strict = { allowPrivate: false };
const lenient = { allowPrivate: true };

/** A resolver answering from a table, so the checks after DNS are tested without a DNS server. */
const fakeDns =
  (table: Record<string, string[]>): HostResolver =>
  async (host) => {
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('addressRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['febf::1', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::127.0.0.1', 'ipv4Compatible'],
    ['::7f00:1', 'ipv4Compatible'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['8.8.8.8', 'unicast'],
    ['1.1.1.1', 'unicast'],
    ['172.32.0.1', 'unicast'],
    ['100.128.0.1', 'unicast'],
    ['2606:4700:4700::1111', 'unicast'],
    ['::ffff:8.8.8.8', 'unicast'],
    ['64:ff9b::808:808', 'unicast'],
  ])('%s is %s', (ip, range) => {
    expect(addressRange(ip)).toBe(range);
  });

  it('refuses to classify a name', () => {
    expect(() => addressRange('localhost')).toThrow(/not an IP address/);
    expect(() => addressRange('2130706433')).toThrow(/not an IP address/);
  });
});

describe('refusalOf', () => {
  it.each([
    ['127.0.0.1', 'loopback', null],
    ['::1', 'loopback', null],
    ['10.0.0.1', 'private', null],
    ['192.168.0.10', 'private', null],
    ['fd12::1', 'uniqueLocal', null],
    ['169.254.10.10', 'linkLocal', null],
    ['100.64.0.1', 'carrierGradeNat', null],
    ['169.254.169.254', 'metadata', 'metadata'],
    ['fd00:ec2::254', 'metadata', 'metadata'],
    ['0.0.0.0', 'unspecified', 'unspecified'],
    ['::', 'unspecified', 'unspecified'],
    ['224.0.0.1', 'multicast', 'multicast'],
    ['255.255.255.255', 'broadcast', 'broadcast'],
    ['8.8.8.8', null, null],
  ])('%s: refused as %p by default, as %p when private targets are allowed', (ip, byDefault, allowingPrivate) => {
    expect(refusalOf(ip, strict)).toBe(byDefault);
    expect(refusalOf(ip, lenient)).toBe(allowingPrivate);
  });
});

describe('resolveOutbound', () => {
  const dns = fakeDns({
    'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'rebind.example.com': ['93.184.215.14', '127.0.0.1'],
    'internal.example.com': ['10.1.2.3'],
    'v6only.example.com': ['::1'],
    'empty.example.com': [],
  });

  it('returns every checked address of a public name, in resolver order', async () => {
    await expect(resolveOutbound('hooks.example.com', strict, dns)).resolves.toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
  });

  it.each([
    ['rebind.example.com', /resolved to a loopback address/],
    ['internal.example.com', /resolved to a private address/],
    ['v6only.example.com', /resolved to a loopback address/],
    ['127.0.0.1', /127\.0\.0\.1 is a loopback address/],
    ['[::1]', /::1 is a loopback address/],
    ['169.254.169.254', /cloud metadata/],
  ])('refuses %s', async (host, message) => {
    const err = await resolveOutbound(host, strict, dns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundAddressRefusedError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^address refused by outbound policy/);
  });

  it('lets private names through when allowed, never metadata', async () => {
    await expect(resolveOutbound('internal.example.com', lenient, dns)).resolves.toHaveLength(1);
    await expect(resolveOutbound('169.254.169.254', lenient, dns)).rejects.toBeInstanceOf(OutboundAddressRefusedError);
  });

  it('passes DNS failures on as they are', async () => {
    await expect(resolveOutbound('nope.example.com', strict, dns)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolveOutbound('empty.example.com', strict, dns)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  // The system resolver (getaddrinfo) reads legacy IPv4 spellings as inet_aton does: they are loopback.
  it.each(['localhost', '2130706433', '0x7f.1', '017700000001', '127.1', '0177.0.0.1', '0'])('refuses %s through the system resolver', async (host) => {
    await expect(resolveOutbound(host, strict, systemResolver)).rejects.toBeInstanceOf(OutboundAddressRefusedError);
  });
});

describe('pinOutbound', () => {
  const dns = fakeDns({ 'mail.example.com': ['93.184.215.14'] });

  it('connects to the checked address and verifies TLS against the name', async () => {
    await expect(pinOutbound('mail.example.com', strict, dns)).resolves.toEqual({ address: '93.184.215.14', servername: 'mail.example.com' });
    await expect(pinOutbound('93.184.215.14', strict, dns)).resolves.toEqual({ address: '93.184.215.14', servername: undefined });
  });
});

describe('assertOutboundHosts', () => {
  const dns = fakeDns({ 'mail.example.com': ['93.184.215.14'], 'intranet.example.com': ['192.168.1.5'] });

  it('names every refused field in one 400', async () => {
    const err = await assertOutboundHosts({ 'imap.host': '127.0.0.1', 'smtp.host': 'intranet.example.com' }, strict, dns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'OUTBOUND_ADDRESS_REFUSED' });
    const fields = (err as DomainError).details!.fields as Record<string, string[]>;
    expect(Object.keys(fields).sort()).toEqual(['imap.host', 'smtp.host']);
    expect(fields['smtp.host'][0]).toMatch(/OUTBOUND_ALLOW_PRIVATE=true/);
  });

  it('accepts public hosts, and hosts that do not resolve yet (each connection checks again)', async () => {
    await expect(assertOutboundHosts({ 'imap.host': 'mail.example.com', 'smtp.host': 'later.example.com' }, strict, dns)).resolves.toBeUndefined();
  });
});

describe('isOutboundRefusal', () => {
  it('finds a refusal wrapped as a cause, as fetch wraps socket errors', () => {
    const refusal = new OutboundAddressRefusedError('127.0.0.1', 'loopback');
    expect(isOutboundRefusal(new TypeError('fetch failed', { cause: refusal }))).toBe(true);
    expect(isOutboundRefusal(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }))).toBe(false);
  });
});
