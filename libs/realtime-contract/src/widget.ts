/**
 * The widget's own realtime and REST contract (namespace `/widget`), shared by the server
 * and apps/widget. Types only: the widget bundle imports nothing at run time from here.
 */
export type WidgetLocaleName = 'en' | 'fr' | 'it' | 'es' | 'uk';

export interface VisitorAttachment {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
  /** Relative to the server, signed and short-lived (`?exp=&sig=`); the widget adds its base URL. */
  url: string;
}

export interface VisitorMessage {
  id: string;
  /** The id the widget generated when it sent this message (its own messages only). */
  clientId: string | null;
  direction: 'inbound' | 'outbound';
  text: string;
  attachments: VisitorAttachment[];
  author: { type: 'contact' | 'user' | 'bot' | 'system'; name: string | null; avatarUrl: string | null };
  status: 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | null;
  createdAt: string;
  /** A satisfaction survey shown as a rating under this message (absent on ordinary messages). */
  survey?: VisitorSurvey;
}

/** The in-widget rating: the token authorises `csat.rate`; `rating` is the current answer (null: not rated yet). */
export interface VisitorSurvey {
  token: string;
  scale: 'stars' | 'thumbs';
  rating: number | null;
  comment: string | null;
  /** Past this the survey takes no more answers. */
  expiresAt: string | null;
}

export interface WidgetConfig {
  inboxName: string;
  title: string | null;
  greeting: string | null;
  offlineMessage: string | null;
  color: string;
  textColor: string;
  position: 'right' | 'left';
  locale: WidgetLocaleName | null;
  preChatForm: { enabled: boolean; requireName: boolean; requireEmail: boolean };
  /** An agent can answer now (within business hours and someone online). */
  online: boolean;
  withinBusinessHours: boolean;
  maxUploadBytes: number;
  maxTextLength: number;
}

export interface WidgetSession {
  visitorToken: string;
  sessionId: string;
  identified: boolean;
  contact: { name: string | null; email: string | null };
  config: WidgetConfig;
  messages: VisitorMessage[];
}

export type WidgetAck<T = Record<string, unknown>> = ({ ok: true } & T) | { ok: false; code: string; message: string };

export interface WidgetServerEvents {
  session: (s: WidgetSession) => void;
  'message.created': (m: VisitorMessage) => void;
  'message.updated': (m: VisitorMessage) => void;
  typing: (e: { typing: boolean; name: string | null }) => void;
  /** A renewed visitor token (sent when the current one is past half its lifetime): keep it instead. */
  token: (t: { visitorToken: string }) => void;
}

export interface WidgetClientEvents {
  'message.send': (p: { clientId: string; text: string }, ack: (a: WidgetAck<{ message: VisitorMessage; duplicate: boolean }>) => void) => void;
  typing: (p: { typing: boolean }) => void;
  read: (p: { messageId: string }, ack?: (a: WidgetAck<{ read: number }>) => void) => void;
  'contact.update': (p: { name?: string; email?: string }, ack: (a: WidgetAck) => void) => void;
  /** Rate the conversation from the survey under a message (rating 1-5; thumbs: 1 or 5). */
  'csat.rate': (p: { token: string; rating: number; comment?: string | null }, ack: (a: WidgetAck<{ rating: number }>) => void) => void;
}

/** What the widget tells about the page it runs in (hints shown to agents; the server checks and trims them). */
export interface WidgetVisitorHints {
  pageUrl?: string | null;
  pageTitle?: string | null;
  referrer?: string | null;
  timeZone?: string | null;
  /** Minutes east of UTC (the opposite sign of Date#getTimezoneOffset). */
  utcOffsetMinutes?: number | null;
}

/** What the script tag / host page passes in the socket handshake. */
export interface WidgetHandshake {
  websiteToken: string;
  visitorToken?: string | null;
  identifier?: string | null;
  identifierHash?: string | null;
  locale?: string | null;
  visitor?: WidgetVisitorHints | null;
}
