import type { MetaChannelKind } from './meta-events';

const HOUR = 3600_000;
export const SERVICE_WINDOW_MS = 24 * HOUR;
/** Messenger/Instagram: a human agent may still answer with the HUMAN_AGENT tag for 7 days. */
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * HOUR;

export interface ServiceWindow {
  /** `response`: free text; `human_agent`: Messenger/Instagram with the HUMAN_AGENT tag; `closed`: only a WhatsApp template (or nothing). */
  mode: 'response' | 'human_agent' | 'closed';
  open: boolean;
  /** When free replies stop (null when the customer never wrote). */
  until: string | null;
  humanAgentUntil: string | null;
}

/** Meta's customer service window, from the customer's last message (pure: the clock is passed in). */
export function serviceWindow(kind: MetaChannelKind, lastInboundAt: Date | null, now: Date): ServiceWindow {
  if (!lastInboundAt) return { mode: 'closed', open: false, until: null, humanAgentUntil: null };
  const until = new Date(lastInboundAt.getTime() + SERVICE_WINDOW_MS);
  const humanAgentUntil = kind === 'whatsapp' ? null : new Date(lastInboundAt.getTime() + HUMAN_AGENT_WINDOW_MS);
  const mode = now < until ? 'response' : humanAgentUntil && now < humanAgentUntil ? 'human_agent' : 'closed';
  return { mode, open: mode !== 'closed', until: until.toISOString(), humanAgentUntil: humanAgentUntil?.toISOString() ?? null };
}
