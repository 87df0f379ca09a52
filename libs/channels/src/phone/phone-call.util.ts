/**
 * Phone calls as timeline entries: the pure rules (merging out-of-order reports, duration,
 * what opens work), tested table-style. A call is a message of kind `call` whose details
 * live in `metadata.call`.
 */
export const CALL_DIRECTIONS = ['inbound', 'outbound'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];
export const CALL_STATUSES = ['ringing', 'in-progress', 'completed', 'missed', 'voicemail', 'failed'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** What `metadata.call` holds (the web timeline reads it). */
export interface CallDetails {
  direction: CallDirection;
  status: CallStatus;
  startedAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  /** Talk time (answered → ended), or ended − started for a call never marked answered; null while it lasts. */
  durationSeconds: number | null;
  agentId: string | null;
  agentName: string | null;
  agentEmail: string | null;
  recordingUrl: string | null;
  transcript: string | null;
  notes: string | null;
  /** The telephony system's own number for the call (the externalId), or null for a call logged by hand. */
  source: 'telephony' | 'manual';
  /** When the state shown was reported (orders out-of-order updates). */
  reportedAt: string;
}

export interface CallReport {
  direction: CallDirection;
  status: CallStatus;
  startedAt?: string | null;
  answeredAt?: string | null;
  endedAt?: string | null;
  agent?: { id: string | null; name: string | null; email: string | null } | null;
  recordingUrl?: string | null;
  transcript?: string | null;
  notes?: string | null;
}

const RANK: Record<CallStatus, number> = { ringing: 0, 'in-progress': 1, completed: 2, missed: 2, voicemail: 2, failed: 2 };
export const isFinal = (s: CallStatus) => RANK[s] === 2;

/** When a report happened by its own clock: its latest timestamp, else when we received it. */
export function reportTime(r: CallReport, receivedAt: Date): string {
  const times = [r.endedAt, r.answeredAt, r.startedAt].filter((t): t is string => Boolean(t)).map((t) => new Date(t).getTime());
  return new Date(times.length ? Math.max(...times) : receivedAt.getTime()).toISOString();
}

export function durationOf(c: Pick<CallDetails, 'startedAt' | 'answeredAt' | 'endedAt' | 'status'>): number | null {
  if (!c.endedAt) return null;
  if (c.status === 'missed' || c.status === 'failed') return 0;
  const from = c.answeredAt ?? c.startedAt;
  if (!from) return null;
  return Math.max(0, Math.round((new Date(c.endedAt).getTime() - new Date(from).getTime()) / 1000));
}

/**
 * Folds a report into the call as known. The status only moves forward (ringing → in-progress
 * → a final state); between two reports of the same rank the later one (by its own clock)
 * wins, so a late "ringing" never undoes "completed". Timestamps and details are kept once
 * known, and a later report may fill or correct them.
 */
export function mergeCall(current: CallDetails | null, r: CallReport, receivedAt: Date, source: CallDetails['source'] = 'telephony'): CallDetails {
  const at = reportTime(r, receivedAt);
  const wins = !current || RANK[r.status] > RANK[current.status] || (RANK[r.status] === RANK[current.status] && at >= current.reportedAt);
  const pick = <T>(mine: T | null | undefined, theirs: T | null): T | null => (wins ? (mine ?? theirs) : (theirs ?? mine ?? null));
  const earliest = (a: string | null | undefined, b: string | null) => (a && b ? (a < b ? a : b) : (a ?? b ?? null));
  const merged: CallDetails = {
    direction: current?.direction ?? r.direction,
    status: wins ? r.status : current!.status,
    startedAt: earliest(r.startedAt ? new Date(r.startedAt).toISOString() : null, current?.startedAt ?? null),
    answeredAt: pick(r.answeredAt ? new Date(r.answeredAt).toISOString() : null, current?.answeredAt ?? null),
    endedAt: pick(r.endedAt ? new Date(r.endedAt).toISOString() : null, current?.endedAt ?? null),
    durationSeconds: null,
    agentId: pick(r.agent?.id, current?.agentId ?? null),
    agentName: pick(r.agent?.name, current?.agentName ?? null),
    agentEmail: pick(r.agent?.email, current?.agentEmail ?? null),
    recordingUrl: pick(r.recordingUrl, current?.recordingUrl ?? null),
    transcript: pick(r.transcript, current?.transcript ?? null),
    notes: pick(r.notes, current?.notes ?? null),
    source: current?.source ?? source,
    reportedAt: wins ? at : current!.reportedAt,
  };
  merged.durationSeconds = durationOf(merged);
  return merged;
}

/** An inbound call nobody took asks for a call-back: it opens (or reopens) the conversation for routing. */
export function needsCallback(c: Pick<CallDetails, 'direction' | 'status'>): boolean {
  return c.direction === 'inbound' && (c.status === 'missed' || c.status === 'voicemail');
}

export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
}

/** The message text: what search, notifications and plain-text clients show (the web app renders metadata.call). */
export function callSummary(c: CallDetails): string {
  const what = `${c.direction === 'inbound' ? 'Inbound' : 'Outbound'} call`;
  const status = { ringing: 'ringing', 'in-progress': 'in progress', completed: 'completed', missed: 'missed', voicemail: 'voicemail', failed: 'failed' }[c.status];
  const parts = [`${what}, ${status}`];
  if (c.durationSeconds !== null && c.status === 'completed') parts.push(formatDuration(c.durationSeconds));
  if (c.agentName) parts.push(c.agentName);
  return parts.join(' · ') + (c.notes ? `\n${c.notes}` : '');
}
