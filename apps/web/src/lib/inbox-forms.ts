/** Pure helpers of the admin's channel forms (web chat origins, Slack manifest), tested on their own. */

/**
 * The origins an admin typed (one a line, or separated by commas or spaces), normalised the way the
 * server checks them: `scheme://host[:port]` with nothing after, or `*` for any site.
 */
export function parseOrigins(input: string): { origins: string[]; invalid: string[] } {
  const origins: string[] = [];
  const invalid: string[] = [];
  for (const raw of input.split(/[\s,]+/).filter(Boolean)) {
    const o = normaliseOrigin(raw);
    if (!o) invalid.push(raw);
    else if (!origins.includes(o)) origins.push(o);
  }
  return { origins, invalid };
}

function normaliseOrigin(value: string): string | null {
  if (value === '*') return '*';
  try {
    // A trailing slash is what people paste from the address bar; anything more is a page, not a site.
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.pathname !== '/' || u.search || u.hash || u.username) return null;
    return u.origin;
  } catch {
    return null;
  }
}

/** Where Slack posts the events of one Slack inbox. */
export function slackEventsUrl(base: string, inboxId: string | null): string {
  return `${base.replace(/\/$/, '')}/api/v1/channels/slack/${inboxId ?? '<inbox id>'}/events`;
}

/** The app manifest to paste at api.slack.com/apps → From an app manifest (README "Slack channel"). */
export function slackManifest(appName: string, requestUrl: string): string {
  // Slack limits the display name to 35 characters; a YAML-safe quoted string either way.
  const name = JSON.stringify((appName.trim() || 'Support').slice(0, 35));
  return `display_information:
  name: ${name}
features:
  bot_user:
    display_name: ${name}
    always_online: true
  app_home:
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
oauth_config:
  scopes:
    bot:
      - chat:write
      - channels:history
      - groups:history
      - im:history
      - mpim:history
      - users:read
      - users:read.email
      - files:read
settings:
  event_subscriptions:
    request_url: ${requestUrl}
    bot_events:
      - message.channels
      - message.groups
      - message.im
      - message.mpim
  org_deploy_enabled: false
  socket_mode_enabled: false
`;
}

/** Slack channel ids (`C…`, `G…`) from a comma- or space-separated list, or from pasted channel links. */
export function parseSlackChannels(input: string): { channels: string[]; invalid: string[] } {
  const channels: string[] = [];
  const invalid: string[] = [];
  for (const raw of input.split(/[\s,]+/).filter(Boolean)) {
    const id = /([CG][A-Z0-9]{6,})\/?$/.exec(raw)?.[1];
    if (!id) invalid.push(raw);
    else if (!channels.includes(id)) channels.push(id);
  }
  return { channels, invalid };
}
