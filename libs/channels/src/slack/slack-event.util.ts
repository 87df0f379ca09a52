/**
 * Pure rules for Slack's Events API: what an envelope means for the inbox. No I/O, so
 * every rule (threads, loops, watched channels, edits) is tested table-style.
 */

export interface SlackFileRef {
  id: string;
  name: string | null;
  mimetype: string | null;
  size: number | null;
}

export interface SlackInboundEvent {
  channel: string;
  ts: string;
  threadTs: string | null;
  user: string;
  team: string | null;
  text: string;
  files: SlackFileRef[];
  channelType: string | null;
  externalShared: boolean;
}

export type SlackEventDecision =
  | { action: 'challenge'; challenge: string }
  /** A 400: not something Slack's Events API sends. */
  | { action: 'reject'; reason: string }
  /** A 200 that stores nothing: Slack must not retry it. */
  | { action: 'ignore'; reason: string; eventId: string | null }
  | { action: 'ingest'; eventId: string; message: SlackInboundEvent }
  | { action: 'edit'; eventId: string; channel: string; ts: string; text: string; editedBy: string | null; editedAt: string }
  | { action: 'delete'; eventId: string; channel: string; ts: string; deletedAt: string };

export interface SlackInboxRules {
  /** Channel ids the inbox watches; empty = every channel the app is a member of. DMs are always watched. */
  watchedChannels: string[];
  /** Our own bot user and bot id (from auth.test): their messages are echoes of what we posted. */
  botUserId: string | null;
  botId: string | null;
}

/** Subtypes that are a person writing; everything else (joins, topics, bot_message...) is channel noise. */
const CUSTOMER_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message']);
const TS = /^\d{1,12}\.\d{1,8}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,30}$/;

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function isSlackChannelId(s: string): boolean {
  return CHANNEL_ID.test(s);
}

export function isSlackTs(s: string): boolean {
  return TS.test(s);
}

/** A DM (im) is one running conversation; anywhere else each top-level message opens a thread. */
export function isDirectMessage(channel: string, channelType?: string | null): boolean {
  return channelType === 'im' || (channelType == null && channel.startsWith('D'));
}

export function slackThreadKey(channel: string, ts: string, threadTs: string | null, channelType?: string | null): string {
  return isDirectMessage(channel, channelType) ? channel : `${channel}:${threadTs ?? ts}`;
}

/** Where a reply goes: the thread of a channel conversation, or the DM itself. */
export function parseSlackThreadKey(key: string): { channel: string; threadTs: string | null } | null {
  const [channel, threadTs, extra] = key.split(':');
  if (extra !== undefined || !isSlackChannelId(channel)) return null;
  if (threadTs === undefined) return { channel, threadTs: null };
  return isSlackTs(threadTs) ? { channel, threadTs } : null;
}

export const slackExternalId = (channel: string, ts: string): string => `${channel}:${ts}`;

export function slackTsToDate(ts: string): Date {
  return new Date(Math.round(Number(ts) * 1000));
}

/** Slack's mrkdwn escapes &, < and > and wraps links and mentions in <...>: make it readable plain text. */
export function slackTextToPlain(text: string): string {
  return text
    .replace(/<(https?:\/\/[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<mailto:([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<(https?:\/\/[^>]+)>/g, '$1')
    .replace(/<mailto:([^>]+)>/g, '$1')
    .replace(/<#[A-Z0-9]+\|([^>]+)>/g, '#$1')
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function classifySlackEnvelope(body: unknown, rules: SlackInboxRules): SlackEventDecision {
  if (!isObject(body)) return { action: 'reject', reason: 'the body is not a JSON object' };
  if (body.type === 'url_verification') {
    const challenge = str(body.challenge);
    return challenge ? { action: 'challenge', challenge } : { action: 'reject', reason: 'url_verification without a challenge' };
  }
  if (body.type === 'app_rate_limited') return { action: 'ignore', reason: 'Slack paused event delivery to this app (app_rate_limited)', eventId: null };
  if (body.type !== 'event_callback') {
    return { action: 'reject', reason: typeof body.type === 'string' ? `"${body.type}" is not an Events API envelope type` : 'not an Events API envelope (no type)' };
  }
  const eventId = str(body.event_id);
  if (!eventId || eventId.length > 200) return { action: 'reject', reason: 'event_callback without an event_id' };
  const event = body.event;
  if (!isObject(event)) return { action: 'reject', reason: 'event_callback without an event object' };
  if (event.type !== 'message') return { action: 'ignore', reason: `event type "${String(event.type)}" is not handled`, eventId };

  const channel = str(event.channel);
  if (!channel || !isSlackChannelId(channel)) return { action: 'reject', reason: 'message event without a valid channel id' };
  const channelType = str(event.channel_type);
  const watched = isDirectMessage(channel, channelType) || rules.watchedChannels.length === 0 || rules.watchedChannels.includes(channel);
  if (!watched) return { action: 'ignore', reason: `channel ${channel} is not watched by this inbox`, eventId };

  if (event.subtype === 'message_changed') {
    const changed = event.message;
    if (!isObject(changed) || !str(changed.ts) || !isSlackTs(changed.ts)) return { action: 'reject', reason: 'message_changed without the changed message' };
    if (isOwn(changed, rules)) return { action: 'ignore', reason: 'an edit of our own message', eventId };
    const editedAt = str(changed.edited?.ts) ?? str(event.event_ts) ?? str(event.ts);
    return {
      action: 'edit',
      eventId,
      channel,
      ts: changed.ts,
      text: slackTextToPlain(typeof changed.text === 'string' ? changed.text : ''),
      editedBy: str(changed.edited?.user) ?? str(changed.user),
      editedAt: editedAt && isSlackTs(editedAt) ? slackTsToDate(editedAt).toISOString() : new Date(0).toISOString(),
    };
  }
  if (event.subtype === 'message_deleted') {
    const ts = str(event.deleted_ts) ?? str(event.previous_message?.ts);
    if (!ts || !isSlackTs(ts)) return { action: 'reject', reason: 'message_deleted without deleted_ts' };
    const at = str(event.event_ts) ?? str(event.ts);
    return { action: 'delete', eventId, channel, ts, deletedAt: at && isSlackTs(at) ? slackTsToDate(at).toISOString() : new Date(0).toISOString() };
  }
  if (!CUSTOMER_SUBTYPES.has(event.subtype) && event.subtype !== 'bot_message') {
    return { action: 'ignore', reason: `message subtype "${String(event.subtype)}" is not a customer message`, eventId };
  }
  if (isOwn(event, rules)) return { action: 'ignore', reason: 'our own message (echo of what we posted)', eventId };
  if (str(event.bot_id) || event.subtype === 'bot_message') return { action: 'ignore', reason: 'a message from another bot or app', eventId };

  const ts = str(event.ts);
  if (!ts || !isSlackTs(ts)) return { action: 'reject', reason: 'message event without a valid ts' };
  const user = str(event.user);
  if (!user) return { action: 'ignore', reason: 'a message without a user', eventId };
  if (user === 'USLACKBOT') return { action: 'ignore', reason: 'a Slackbot notice', eventId };
  const threadTs = str(event.thread_ts);
  const files: SlackFileRef[] = Array.isArray(event.files)
    ? event.files
        .filter((f: unknown) => isObject(f) && str(f.id))
        .map((f: Record<string, any>) => ({ id: f.id, name: str(f.name), mimetype: str(f.mimetype), size: typeof f.size === 'number' ? f.size : null }))
    : [];
  const text = slackTextToPlain(messageText(event));
  if (!text.trim() && files.length === 0) return { action: 'ignore', reason: 'a message with neither text nor files', eventId };
  return {
    action: 'ingest',
    eventId,
    message: {
      channel,
      ts,
      threadTs: threadTs && isSlackTs(threadTs) && threadTs !== ts ? threadTs : null,
      user,
      team: str(event.team) ?? str(event.user_team) ?? str(body.team_id),
      text,
      files,
      channelType,
      externalShared: body.is_ext_shared_channel === true,
    },
  };
}

/** A shared or forwarded message has no text of its own: what was shared is in its attachments. */
function messageText(event: Record<string, any>): string {
  const own = typeof event.text === 'string' ? event.text : '';
  if (own.trim() || !Array.isArray(event.attachments)) return own;
  return event.attachments
    .map((a: unknown) => (isObject(a) ? (str(a.fallback) ?? str(a.text)) : null))
    .filter((t: string | null): t is string => t !== null)
    .join('\n');
}

function isOwn(message: Record<string, any>, rules: SlackInboxRules): boolean {
  return (rules.botUserId !== null && message.user === rules.botUserId) || (rules.botId !== null && message.bot_id === rules.botId);
}

/** Slack errors worth another try; anything else (invalid_auth, channel_not_found...) will fail the same way again. */
const RETRYABLE_SLACK_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

export function isRetryableSlackError(code: string): boolean {
  return RETRYABLE_SLACK_ERRORS.has(code);
}

/** Slack reads &, < and > as mrkdwn control characters: an agent's "a < b" must arrive as typed. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
