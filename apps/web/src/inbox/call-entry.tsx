import { useTranslation } from 'react-i18next';
import type { MessageSummary } from '../api/types';
import { useFormat } from '../i18n/format';
import { useDirectory } from '../session/session';

/** What the server keeps in `metadata.call` of a message of kind `call`. */
export interface CallDetails {
  direction: 'inbound' | 'outbound';
  status: 'ringing' | 'in-progress' | 'completed' | 'missed' | 'voicemail' | 'failed';
  startedAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  agentId: string | null;
  agentName: string | null;
  agentEmail: string | null;
  recordingUrl: string | null;
  transcript: string | null;
  notes: string | null;
  source: 'telephony' | 'manual';
}

/** 192 → "3:12", 3725 → "1:02:05": a call's length as a phone shows it. */
export function callLength(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** A phone call in the timeline: direction, outcome, duration, who took it, recording, transcript (collapsed), notes. */
export function CallEntry({ m }: { m: MessageSummary }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { byId } = useDirectory();
  const call = m.metadata?.call as CallDetails | undefined;
  if (!call) return <div className="activity">{m.text}</div>;
  const agent = (call.agentId && byId.get(call.agentId)?.name) || call.agentName || call.agentEmail;
  const missed = call.status === 'missed' || call.status === 'voicemail' || call.status === 'failed';
  // Only http(s) recordings become links: the URL comes from the telephony system.
  const recording = call.recordingUrl && /^https?:\/\//i.test(call.recordingUrl) ? call.recordingUrl : null;
  return (
    <article className={`msg call call-${call.status} ${m.direction}`} data-testid="call" data-kind="call" data-status={call.status} data-message-id={m.id}>
      <header>
        <strong>
          {call.direction === 'inbound' ? '📞 ' : '📲 '}
          {t(`call.${call.direction}`)}
        </strong>{' '}
        <span className={`pill${missed ? ' error' : ''}`} data-testid="call-status">
          {t(`call.status.${call.status}`)}
        </span>
        {call.source === 'manual' && <span className="muted small"> · {t('call.manual')}</span>}
        <span className="muted small"> {fmt.dateTime(call.startedAt ?? m.createdAt)}</span>
      </header>
      <div className="small">
        {call.durationSeconds !== null && call.status === 'completed' && (
          <span data-testid="call-duration">{t('call.duration', { duration: callLength(call.durationSeconds) })}</span>
        )}
        {agent && <span> · {t('call.agent', { agent })}</span>}
        {recording && (
          <span>
            {' · '}
            <a href={recording} target="_blank" rel="noopener noreferrer">
              {t('call.recording')}
            </a>
          </span>
        )}
      </div>
      {call.notes && (
        <div className="text">
          <strong>{t('call.notes')}:</strong> {call.notes}
        </div>
      )}
      {call.transcript && (
        <details>
          <summary>{t('call.transcript')}</summary>
          <div className="text">{call.transcript}</div>
        </details>
      )}
    </article>
  );
}

const SEND_ERROR =
  /^(TELEGRAM_BLOCKED|TELEGRAM_AUTH_FAILED|TELEGRAM_REJECTED|X_AUTH_FAILED|X_REJECTED|PHONE_NO_MESSAGES|META_WINDOW_CLOSED|META_AUTH_FAILED|META_REJECTED): ?([\s\S]*)$/;

/** A failed reply's error: the code translated, the peer's own words after it. Other errors are shown as they are. */
export function useSendErrorText(): (error: string) => string {
  const { t } = useTranslation();
  return (error) => {
    const m = SEND_ERROR.exec(error);
    if (!m) return error;
    const code = m[1] as 'TELEGRAM_BLOCKED';
    return m[2] ? `${t(`sendError.${code}`)} (${m[2]})` : t(`sendError.${code}`);
  };
}
