import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { get } from '../api/client';
import type { ConversationSummary } from '../api/types';
import { useConversationContactLabel } from '../inbox/contact-label';
import { useLive } from '../live/live';
import { useStoreSelect } from '../live/conversation-store';
import { useMe } from '../session/session';
import './notifications.css';
import { loadSettings, noticeFor, saveSettings, tabTitle, type Notice, type NotificationSettings } from './notify-rules';

interface Toast {
  id: number;
  notice: Notice;
  title: string;
  body: string;
}

const DISMISSED_KEY = 'inbox.notifications.permissionAsked';
let audio: AudioContext | null = null;

/** A short two-tone chime made with WebAudio: no file to load, silent when the browser refuses. */
function chime(): void {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.2);
    }
  } catch {
    // No audio device or autoplay refused: the toast and the title still tell.
  }
}

function desktopSupported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

export function useNotificationSettings() {
  const me = useMe();
  const [settings, setSettings] = useState(() => loadSettings(me.id));
  const update = useCallback(
    (patch: Partial<NotificationSettings>) =>
      setSettings((cur) => {
        const next = { ...cur, ...patch };
        saveSettings(me.id, next);
        return next;
      }),
    [me.id],
  );
  return [settings, update] as const;
}

/**
 * Toasts, a chime, desktop notifications and the tab title for what needs the signed-in person:
 * conversations assigned or offered to them and customers' replies in their conversations.
 */
export function Notifications() {
  const { t } = useTranslation();
  const me = useMe();
  const live = useLive();
  const navigate = useNavigate();
  const [settings, update] = useNotificationSettings();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [askPermission, setAskPermission] = useState(() => desktopSupported() && Notification.permission === 'default' && !localStorage.getItem(DISMISSED_KEY));
  const [open, setOpen] = useState(false);
  const viewing = useRef<string | null>(null);
  const nextId = useRef(1);
  const settingsRef = useRef(settings);
  settingsRef.current = settings;

  // The conversation on screen: a reply there needs no notification while the page is visible.
  const location = useLocation();
  viewing.current = /^\/inbox\/([^/]+)/.exec(location.pathname)?.[1] ?? null;

  const contactLabel = useConversationContactLabel();
  // An assignment or offer arrives before the conversation's own update: read it when the list has not got it yet.
  const conversationOf = useCallback(
    async (id: string): Promise<ConversationSummary | undefined> => live.store.get(id) ?? (await get<ConversationSummary>(`/conversations/${id}`).catch(() => undefined)),
    [live.store],
  );
  const describe = useCallback(
    (n: Notice, c: ConversationSummary | undefined): { title: string; body: string } => {
      const who = c ? contactLabel(c) : t('list.unknownContact');
      const channel = c ? t(`channel.${c.channel}`) : '';
      switch (n.kind) {
        case 'assigned':
          return { title: t('notifications.assignedTitle'), body: t('notifications.assignedBody', { contact: who, channel }) };
        case 'offered': {
          const seconds = Math.max(0, Math.ceil((Date.parse(n.expiresAt) - Date.now()) / 1000));
          return { title: t('notifications.offeredTitle'), body: t('notifications.offeredBody', { contact: who, channel, seconds }) };
        }
        case 'reply':
          return { title: t('notifications.replyTitle', { contact: who }), body: n.text.length > 140 ? `${n.text.slice(0, 139)}…` : n.text };
        case 'mention':
          return {
            title: t('mentions.notifyTitle', { author: n.author ?? t('conversation.someone'), contact: n.contact ?? who }),
            body: n.text.length > 140 ? `${n.text.slice(0, 139)}…` : n.text,
          };
      }
    },
    [contactLabel, t],
  );

  const show = useCallback(
    (notice: Notice, { title, body }: { title: string; body: string }) => {
      const s = settingsRef.current;
      if (s.sound) chime();
      if (s.desktop && desktopSupported() && Notification.permission === 'granted' && (document.visibilityState !== 'visible' || !document.hasFocus())) {
        try {
          const n = new Notification(title, { body, tag: `${notice.kind}:${notice.conversationId}` });
          n.onclick = () => {
            window.focus();
            navigate(`/inbox/${notice.conversationId}`);
          };
        } catch {
          // Some browsers allow notifications only from a service worker: the toast remains.
        }
      }
      // Offers have their own banner with a countdown and Accept / Decline.
      if (notice.kind === 'offered') return;
      const id = nextId.current++;
      setToasts((cur) => [...cur.filter((x) => x.notice.conversationId !== notice.conversationId || x.notice.kind !== notice.kind), { id, notice, title, body }].slice(-4));
      setTimeout(() => setToasts((cur) => cur.filter((x) => x.id !== id)), 8000);
    },
    [navigate],
  );

  // The label and navigation functions change with the render; the subscription stays put and reads the latest.
  const describeRef = useRef(describe);
  describeRef.current = describe;
  const showRef = useRef(show);
  showRef.current = show;

  useEffect(
    () =>
      live.onEvent((e) => {
        const notice = noticeFor(e, {
          meId: me.id,
          settings: settingsRef.current,
          assigneeOf: (id) => live.store.get(id)?.assigneeId,
          viewing: viewing.current,
          visible: document.visibilityState === 'visible',
        });
        if (!notice) return;
        void conversationOf(notice.conversationId).then((c) => showRef.current(notice, describeRef.current(notice, c)));
      }),
    [live, me.id, conversationOf],
  );

  // Tab title: unread conversations, and the seconds left on an offer.
  const unread = useStoreSelect(live.store, (s) => {
    let n = 0;
    for (const c of s.all()) if (s.unreadOf(c.id) > 0) n++;
    return n;
  });
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!live.offers.length) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [live.offers.length]);
  const offer = live.offers[0];
  const offerLeft = offer ? Math.max(0, Math.ceil((Date.parse(offer.expiresAt) - now) / 1000)) : null;
  const base = t('app.name');
  useEffect(() => {
    document.title = tabTitle(base, unread, offerLeft);
  }, [base, unread, offerLeft]);
  useEffect(() => () => void (document.title = base), [base]);

  const enableDesktop = async () => {
    localStorage.setItem(DISMISSED_KEY, '1');
    setAskPermission(false);
    try {
      const result = await Notification.requestPermission();
      update({ desktop: result === 'granted' });
    } catch {
      update({ desktop: false });
    }
  };

  return (
    <>
      {askPermission && settings.desktop && (
        <div className="notify-ask" role="region" aria-label={t('notifications.title')} data-testid="notify-ask">
          <span>{t('notifications.askPermission')}</span>
          <button className="primary" onClick={() => void enableDesktop()}>
            {t('notifications.turnOn')}
          </button>
          <button
            className="ghost"
            onClick={() => {
              localStorage.setItem(DISMISSED_KEY, '1');
              setAskPermission(false);
            }}
          >
            {t('notifications.notNow')}
          </button>
        </div>
      )}
      <div className="toasts" aria-live="polite" data-testid="toasts">
        {toasts.map((x) => (
          <div key={x.id} className={`toast toast-${x.notice.kind}`} data-testid="toast" data-kind={x.notice.kind} data-conversation-id={x.notice.conversationId}>
            <button
              className="toast-body"
              onClick={() => {
                setToasts((cur) => cur.filter((y) => y.id !== x.id));
                navigate(`/inbox/${x.notice.conversationId}`);
              }}
            >
              <strong>{x.title}</strong>
              <span>{x.body}</span>
            </button>
            <button className="link" aria-label={t('common.close')} onClick={() => setToasts((cur) => cur.filter((y) => y.id !== x.id))}>
              ×
            </button>
          </div>
        ))}
      </div>
      <div className="notify-menu">
        <button
          className="ghost"
          aria-expanded={open}
          aria-label={t('notifications.settings')}
          title={t('notifications.settings')}
          data-testid="notify-settings"
          onClick={() => setOpen((o) => !o)}
        >
          <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden>
            <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
            <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
          </svg>
        </button>
        {open && (
          <div className="popover" role="dialog" aria-label={t('notifications.settings')}>
            <strong>{t('notifications.settings')}</strong>
            {(['assignments', 'offers', 'replies', 'mentions', 'sound', 'desktop'] as const).map((k) => (
              <label key={k} className="check">
                <input
                  type="checkbox"
                  checked={settings[k]}
                  onChange={(e) => {
                    update({ [k]: e.target.checked });
                    if (k === 'desktop' && e.target.checked && desktopSupported() && Notification.permission === 'default') void enableDesktop();
                  }}
                />{' '}
                {t(`notifications.${k}`)}
              </label>
            ))}
            {desktopSupported() && Notification.permission === 'denied' && <p className="muted small">{t('notifications.blocked')}</p>}
          </div>
        )}
      </div>
    </>
  );
}
