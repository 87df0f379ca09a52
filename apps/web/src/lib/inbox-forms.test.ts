import { describe, expect, it } from 'vitest';
import { parseOrigins, parseSlackChannels, slackEventsUrl, slackManifest } from './inbox-forms';

describe('parseOrigins', () => {
  it('normalises what people paste and drops duplicates', () => {
    expect(parseOrigins('https://www.example.com/\nhttps://WWW.example.com, http://127.0.0.1:8080  https://shop.example.com:443')).toEqual({
      origins: ['https://www.example.com', 'http://127.0.0.1:8080', 'https://shop.example.com'],
      invalid: [],
    });
  });
  it('accepts * for any site', () => expect(parseOrigins('*')).toEqual({ origins: ['*'], invalid: [] }));
  it.each(['www.example.com', 'https://example.com/shop', 'ftp://example.com', 'https://example.com/?a=1', 'https://user@example.com'])('refuses %s', (o) => {
    expect(parseOrigins(o)).toEqual({ origins: [], invalid: [o] });
  });
  it('is empty for blank input', () => expect(parseOrigins('  \n ')).toEqual({ origins: [], invalid: [] }));
});

describe('Slack', () => {
  it('builds the events URL of an inbox, or a placeholder before it exists', () => {
    expect(slackEventsUrl('https://support.example.com/', 'abc')).toBe('https://support.example.com/api/v1/channels/slack/abc/events');
    expect(slackEventsUrl('https://support.example.com', null)).toContain('<inbox id>');
  });
  it('writes a manifest with the request URL, the scopes the channel uses and a quoted name', () => {
    const m = slackManifest('Acme: support "team"', 'https://h/api/v1/channels/slack/x/events');
    expect(m).toContain('request_url: https://h/api/v1/channels/slack/x/events');
    expect(m).toContain('name: "Acme: support \\"team\\""');
    for (const scope of ['chat:write', 'channels:history', 'groups:history', 'im:history', 'mpim:history', 'users:read', 'users:read.email', 'files:read'])
      expect(m).toContain(`- ${scope}\n`);
    for (const ev of ['message.channels', 'message.groups', 'message.im', 'message.mpim']) expect(m).toContain(`- ${ev}\n`);
  });
  it('reads channel ids from ids or links', () => {
    expect(parseSlackChannels('C0123ABCD, https://acme.slack.com/archives/G0987ZYXW general')).toEqual({ channels: ['C0123ABCD', 'G0987ZYXW'], invalid: ['general'] });
  });
});
