/**
 * What a Meta webhook body becomes once parsed: channel-neutral items the job applies in
 * order. Parsing is pure (no I/O) so every corpus payload is tested table-style.
 */
export type MetaChannelKind = 'whatsapp' | 'messenger' | 'instagram';
export const META_CHANNEL_KINDS: readonly MetaChannelKind[] = ['whatsapp', 'messenger', 'instagram'];

export interface MetaMedia {
  kind: 'image' | 'audio' | 'voice' | 'video' | 'document' | 'sticker' | 'file';
  /** WhatsApp media id (fetched through GET /{media-id}); null when a URL is given. */
  mediaId: string | null;
  /** Messenger/Instagram CDN URL (or WhatsApp's URL when the payload carries one). */
  url: string | null;
  mimeType: string | null;
  fileName: string | null;
}

export interface MetaInboundItem {
  type: 'message';
  externalId: string;
  /** wa_id, PSID or IGSID. */
  from: string;
  name: string | null;
  phone: string | null;
  at: string;
  text: string;
  media: MetaMedia[];
  /** External id of the message this one answers. */
  replyTo: string | null;
  metadata: Record<string, unknown>;
}

export interface MetaEchoItem {
  type: 'echo';
  externalId: string;
  /** The customer the business wrote to. */
  to: string;
  at: string;
  text: string;
  metadata: Record<string, unknown>;
}

export type MetaItem =
  | MetaInboundItem
  | MetaEchoItem
  | { type: 'reaction'; target: string; from: string; emoji: string | null; at: string }
  | { type: 'status'; externalId: string; status: 'sent' | 'delivered' | 'read' | 'failed'; recipient: string; at: string; error: string | null }
  | { type: 'watermark'; status: 'delivered' | 'read'; customer: string; mids: string[]; watermark: string | null }
  | { type: 'revoke'; target: string; at: string }
  | { type: 'edit'; target: string; text: string; at: string };

export type MetaParse = { ok: true; items: MetaItem[]; ignored: string[] } | { ok: false; reason: string };

/** Meta's timestamps come as unix seconds, milliseconds (Messenger), numeric strings or ISO strings (Instagram samples). */
export function metaTime(v: unknown, fallback: Date = new Date()): string {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v < 1e12 ? v * 1000 : v).toISOString();
  if (typeof v === 'string' && /^\d{1,16}$/.test(v)) return metaTime(Number(v), fallback);
  if (typeof v === 'string') {
    const d = new Date(v.replace(/\+0000$/, 'Z'));
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return fallback.toISOString();
}

export const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null);

/** A map link an agent can click, whatever the client's map app. */
export function mapLink(lat: number, lng: number): string {
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`;
}
