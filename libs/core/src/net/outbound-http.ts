import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { HostResolver, OutboundPolicy, resolveOutbound, stripBrackets } from './outbound-address';

/**
 * An undici dispatcher whose every new connection goes through the outbound address
 * policy: the host is resolved, every address checked, and the socket opened to the
 * checked address (TLS still verifies the certificate against the original name).
 * Because the check sits in the connector, it covers IP literals, names, and each hop
 * of a redirect should a caller ever follow one.
 */
export function outboundDispatcher(policy: OutboundPolicy, opts: { connectTimeoutMs?: number; resolve?: HostResolver } = {}): Agent {
  const base = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000 });
  const connect: buildConnector.connector = (options, callback) => {
    const host = stripBrackets(options.hostname);
    resolveOutbound(host, policy, opts.resolve).then(
      ([first]) => {
        // `host` (name:port) stays as it was: undici derives the TLS servername from it.
        const servername = options.servername || (isIP(host) ? undefined : host);
        base({ ...options, hostname: first.address, servername }, callback);
      },
      (err: Error) => callback(err, null),
    );
  };
  return new Agent({ connect });
}
