import { OutboundAddressRefusedError } from '@inbox/core';
import { webhookFailure } from './api-channel.adapter';

const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

describe('webhookFailure', () => {
  it.each([
    [fetchFailed(new OutboundAddressRefusedError('127.0.0.1', 'loopback')), { permanent: true, reason: 'webhook address refused by outbound policy' }],
    [fetchFailed(Object.assign(new Error('connect ECONNREFUSED 203.0.113.9:8443'), { code: 'ECONNREFUSED' })), { permanent: false, reason: 'webhook connection refused' }],
    [fetchFailed(Object.assign(new Error('getaddrinfo ENOTFOUND hooks.example.com'), { code: 'ENOTFOUND' })), { permanent: false, reason: 'webhook host not found' }],
    [Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), { permanent: false, reason: 'webhook timed out' }],
    [fetchFailed(Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), { permanent: false, reason: 'webhook timed out' }],
    [fetchFailed(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })), { permanent: false, reason: 'webhook TLS failed' }],
    [fetchFailed(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })), { permanent: false, reason: 'webhook connection closed' }],
    [fetchFailed(new Error('SSH-2.0-OpenSSH_9.2p1 on 10.0.0.5')), { permanent: false, reason: 'webhook request failed' }],
  ])('%p → %p, without the URL or the peer text', (err, expected) => {
    expect(webhookFailure(err)).toEqual(expected);
  });
});
