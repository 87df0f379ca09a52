import { io, type Socket } from 'socket.io-client';
import type {
  VisitorMessage,
  WidgetAck,
  WidgetClientEvents,
  WidgetConfig,
  WidgetServerEvents,
  WidgetSession,
  WidgetVisitorHints,
} from '../../../libs/realtime-contract/src/widget';
import { fill, pickLocale, texts, type Texts } from './i18n';
import { css } from './styles';

interface HostSettings {
  websiteToken?: string;
  baseUrl?: string;
  locale?: string;
  identifier?: string;
  identifierHash?: string;
  open?: boolean;
}
interface Pending {
  clientId: string;
  text: string;
}
type Sock = Socket<WidgetServerEvents, WidgetClientEvents>;

const w = window as unknown as { inboxWidgetSettings?: HostSettings; InboxWidget?: unknown };
const script = (document.currentScript ?? document.querySelector('script[data-website-token]')) as HTMLScriptElement | null;
const data = script?.dataset ?? {};
const host: HostSettings = { ...w.inboxWidgetSettings };
const websiteToken = host.websiteToken ?? data.websiteToken ?? '';
const baseUrl = (host.baseUrl ?? (script?.src ? new URL(script.src).origin : location.origin)).replace(/\/$/, '');
const identifier = host.identifier ?? data.identifier;
const identifierHash = host.identifierHash ?? data.identifierHash;
const storeKey = `inbox-widget:${websiteToken}`;
const TYPING_IDLE_MS = 3000;

const store = {
  get(k: string): string | null {
    try {
      return localStorage.getItem(`${storeKey}:${k}`);
    } catch {
      return null;
    }
  },
  set(k: string, v: string | null): void {
    try {
      if (v === null) localStorage.removeItem(`${storeKey}:${k}`);
      else localStorage.setItem(`${storeKey}:${k}`, v);
    } catch {
      /* private mode: the session lasts as long as the page */
    }
  },
};

let locale = pickLocale(host.locale ?? data.locale, navigator.languages ?? [navigator.language]);
let t: Texts = texts(locale);
let config: WidgetConfig | null = null;
let session: WidgetSession | null = null;
let socket: Sock | null = null;
let unavailable = false;
let opened = false;
let unread = 0;
let flushing = false;
let typingSent = false;
let typingTimer: ReturnType<typeof setTimeout> | undefined;
let peerTypingTimer: ReturnType<typeof setTimeout> | undefined;
/** Keyed by the client id for own messages (so the server copy replaces the local one), else by id. */
const messages = new Map<string, VisitorMessage>();
/** Messages not yet acknowledged by the server; kept across reloads and reconnects. */
const pending: Pending[] = JSON.parse(store.get('pending') ?? '[]');

const newId = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// ---- DOM ------------------------------------------------------------------------------
const rootHost = el('div', { 'data-inbox-widget': '' });
const shadow = rootHost.attachShadow({ mode: 'open' });
const style = el('style');
const launcher = el('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'iw-panel' });
launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
const badge = el('span', { class: 'badge', hidden: '' });
launcher.append(badge);
const title = el('h2', { id: 'iw-title' });
const status = el('p');
const closeBtn = el('button', { type: 'button', class: 'close' }, '×');
const notice = el('div', { class: 'notice', role: 'status', hidden: '' });
const list = el('ol', { role: 'log', 'aria-live': 'polite', tabindex: '0' });
const typing = el('div', { class: 'typing', hidden: '' });
const nameInput = el('input', { type: 'text', name: 'name', autocomplete: 'name', maxlength: '200' });
const emailInput = el('input', { type: 'email', name: 'email', autocomplete: 'email', maxlength: '320' });
const preText = el('p');
const preSubmit = el('button', { type: 'submit' });
const prechat = el('form', { class: 'col prechat', hidden: '' }, preText, nameInput, emailInput, preSubmit);
const offText = el('p');
const offEmail = el('input', { type: 'email', name: 'offline-email', autocomplete: 'email', maxlength: '320' });
const offSubmit = el('button', { type: 'submit' });
const offline = el('form', { class: 'offline', hidden: '' }, offText, offEmail, offSubmit);
const input = el('textarea', { rows: '2', maxlength: '5000' });
const file = el('input', { type: 'file', class: 'sr', tabindex: '-1', accept: 'image/*,application/pdf,text/plain,application/zip' });
const attachBtn = el('button', { type: 'button', class: 'ghost attach' });
attachBtn.innerHTML =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z"/></svg>';
const sendBtn = el('button', { type: 'submit', class: 'send' });
const composer = el('form', { class: 'composer' }, input, file, attachBtn, sendBtn);
const panel = el(
  'section',
  { class: 'panel', id: 'iw-panel', role: 'dialog', 'aria-labelledby': 'iw-title', hidden: '' },
  el('header', {}, el('div', { class: 't' }, title, status), closeBtn),
  notice,
  list,
  typing,
  prechat,
  offline,
  composer,
);
shadow.append(style, panel, launcher);

function applyTexts(): void {
  const c = config;
  style.textContent = css(c?.color ?? '#1f6feb', c?.textColor ?? '#ffffff', c?.position ?? 'right');
  launcher.setAttribute('aria-label', opened ? t.close : t.open);
  closeBtn.setAttribute('aria-label', t.close);
  title.textContent = c?.title ?? t.title;
  status.textContent = !c ? '' : c.online ? t.online : t.offline;
  list.setAttribute('aria-label', t.messages);
  input.placeholder = t.placeholder;
  input.setAttribute('aria-label', t.placeholder);
  attachBtn.setAttribute('aria-label', t.attach);
  attachBtn.title = t.attach;
  sendBtn.textContent = t.send;
  nameInput.placeholder = t.name;
  nameInput.setAttribute('aria-label', t.name);
  emailInput.placeholder = t.email;
  emailInput.setAttribute('aria-label', t.email);
  preText.textContent = t.prechat;
  preSubmit.textContent = t.start;
  offText.textContent = c?.offlineMessage ?? t.offlineAsk;
  offEmail.placeholder = t.email;
  offEmail.setAttribute('aria-label', t.email);
  offSubmit.textContent = t.save;
}

function showNotice(text: string | null): void {
  notice.hidden = !text;
  notice.textContent = text ?? '';
}

function initials(name: string | null): string {
  return (
    (name ?? '?')
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((p) => p[0]!.toUpperCase())
      .join('') || '?'
  );
}

/** Attachment URLs come signed and short-lived from the server: no visitor token in a URL. */
function assetUrl(url: string): string {
  return `${baseUrl}${url}`;
}

function renderMessage(m: VisitorMessage): HTMLLIElement {
  const mine = m.direction === 'inbound';
  const li = el('li', { class: mine ? 'in' : 'out', 'data-id': m.id });
  const bubble = el('div', { class: 'b' });
  if (!mine) {
    const av = el('div', { class: 'av', 'aria-hidden': 'true' });
    if (m.author.avatarUrl) av.append(el('img', { src: m.author.avatarUrl, alt: '' }));
    else av.textContent = initials(m.author.name);
    li.append(av);
    if (m.author.name) bubble.append(el('div', { class: 'who' }, m.author.name));
  }
  const isFileName = m.attachments.length > 0 && m.text === m.attachments[0]!.fileName;
  if (!isFileName || !m.attachments.length) bubble.append(m.text);
  for (const a of m.attachments) {
    if (/^image\//.test(a.contentType)) bubble.append(el('img', { src: assetUrl(a.url), alt: a.fileName }));
    else bubble.append(el('a', { href: assetUrl(a.url), target: '_blank', rel: 'noopener' }, a.fileName));
  }
  if (m.survey) bubble.append(renderSurvey(m.survey, m.text));
  if (mine) {
    const st = m.id.startsWith('local:') ? (m.status === 'failed' ? t.failed : t.sending) : t.sent;
    bubble.append(el('div', { class: 'st' }, st));
  }
  li.append(bubble);
  return li;
}

/** Comments being typed under a survey survive re-renders; the outcome of the last answer per survey. */
const surveyDrafts = new Map<string, string>();
const surveyNotes = new Map<string, string>();

/** Stars (or thumbs) under the survey message: a click sends the rating with the optional comment. */
function renderSurvey(sv: NonNullable<VisitorMessage['survey']>, question: string): HTMLElement {
  const box = el('div', { class: 'rate', role: 'group', 'aria-label': question });
  const closed = sv.expiresAt !== null && Date.parse(sv.expiresAt) < Date.now();
  const comment = el('input', { type: 'text', maxlength: '2000', placeholder: t.rateComment, 'aria-label': t.rateComment });
  comment.value = surveyDrafts.get(sv.token) ?? sv.comment ?? '';
  comment.addEventListener('input', () => surveyDrafts.set(sv.token, comment.value));
  const choices =
    sv.scale === 'thumbs'
      ? [
          { v: 5, label: '👍', name: t.rateUp },
          { v: 1, label: '👎', name: t.rateDown },
        ]
      : [1, 2, 3, 4, 5].map((v) => ({ v, label: '★', name: fill(t.rate, { n: v }) }));
  const row = el('div', { class: 'stars' });
  for (const c of choices) {
    const lit = sv.rating !== null && (sv.scale === 'thumbs' ? sv.rating === c.v : c.v <= sv.rating);
    const b = el('button', { type: 'button', class: lit ? 'on' : '', 'aria-label': c.name, 'aria-pressed': String(sv.rating === c.v), 'data-rating': String(c.v) }, c.label);
    b.disabled = closed;
    b.addEventListener('click', () => {
      if (!socket) return;
      socket.emit('csat.rate', { token: sv.token, rating: c.v, comment: comment.value.trim() || null }, (ack) => {
        surveyNotes.set(sv.token, ack.ok ? t.rateThanks : ack.code === 'INVALID_STATE' ? t.rateClosed : ack.message);
        surveyDrafts.delete(sv.token);
        render();
      });
    });
    row.append(b);
  }
  box.append(row, comment);
  const note = surveyNotes.get(sv.token) ?? (closed ? t.rateClosed : sv.rating !== null ? t.rateThanks : null);
  if (note) box.append(el('div', { class: 'st', role: 'status' }, note));
  return box;
}

function render(): void {
  const all = [...messages.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const greeting = config?.greeting ?? t.greeting;
  list.replaceChildren(el('li', { class: 'out greeting' }, el('div', { class: 'b' }, greeting)), ...all.map(renderMessage));
  list.scrollTop = list.scrollHeight;
  const contact = session?.contact;
  const pre = config?.preChatForm;
  prechat.hidden = !(pre?.enabled && all.length === 0 && !contact?.name && !contact?.email);
  nameInput.required = Boolean(pre?.requireName);
  emailInput.required = Boolean(pre?.requireEmail);
  offline.hidden = !config || config.online || Boolean(contact?.email) || !prechat.hidden;
  composer.hidden = !prechat.hidden || unavailable;
  badge.hidden = unread === 0;
  badge.textContent = String(unread);
}

function upsert(m: VisitorMessage): void {
  const key = m.clientId ?? m.id;
  const isNew = !messages.has(key);
  messages.set(key, m);
  if (isNew && m.direction === 'outbound' && !opened) unread++;
  render();
  if (m.direction === 'outbound') markRead();
}

function markRead(): void {
  if (!opened || !socket?.connected || document.visibilityState !== 'visible') return;
  const last = [...messages.values()].filter((m) => m.direction === 'outbound' && !m.id.startsWith('local:')).pop();
  if (last && last.status !== 'read') socket.emit('read', { messageId: last.id });
}

// ---- transport ------------------------------------------------------------------------
/** The page the visitor is on, where they came from and their time zone, for the agent's contact panel (browser and OS the server reads from the User-Agent). */
function visitorHints(): WidgetVisitorHints {
  let timeZone: string | null = null;
  try {
    timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? null;
  } catch {
    /* an old browser without time zone support: the offset still tells the local time */
  }
  return { pageUrl: location.href, pageTitle: document.title || null, referrer: document.referrer || null, timeZone, utcOffsetMinutes: -new Date().getTimezoneOffset() };
}

function connect(): void {
  if (socket || unavailable || !websiteToken) return;
  socket = io(`${baseUrl}/widget`, {
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
    // A function: every reconnect presents the latest visitor token.
    auth: (cb) => cb({ websiteToken, visitorToken: store.get('token'), identifier: identifier ?? null, identifierHash: identifierHash ?? null, locale, visitor: visitorHints() }),
  }) as Sock;
  // Silent renewal: the server sends a fresh token before the current one expires.
  socket.on('token', ({ visitorToken }) => {
    store.set('token', visitorToken);
    if (session) session.visitorToken = visitorToken;
  });
  socket.on('session', (s) => {
    session = s;
    config = s.config;
    store.set('token', s.visitorToken);
    if (!host.locale && !data.locale && s.config.locale) {
      locale = s.config.locale;
      t = texts(locale);
    }
    for (const [k, m] of messages) if (!m.id.startsWith('local:')) messages.delete(k);
    for (const m of s.messages) messages.set(m.clientId ?? m.id, m);
    showNotice(null);
    applyTexts();
    render();
    markRead();
    void flush();
  });
  socket.on('message.created', upsert);
  socket.on('message.updated', upsert);
  socket.on('typing', (e) => {
    clearTimeout(peerTypingTimer);
    typing.hidden = !e.typing;
    typing.textContent = fill(t.typing, { name: e.name ?? t.someone });
    if (e.typing) peerTypingTimer = setTimeout(() => (typing.hidden = true), 8000);
  });
  socket.on('disconnect', (reason) => {
    showNotice(t.reconnecting);
    // The server closed us on purpose (e.g. a restart): come back after a moment.
    if (reason === 'io server disconnect') setTimeout(() => socket?.connect(), 1000);
  });
  socket.on('connect_error', (err) => {
    const code = (err as Error & { data?: { code?: string } }).data?.code;
    if (code === 'FORBIDDEN' || code === 'UNAUTHENTICATED') {
      unavailable = true;
      showNotice(t.unavailable);
      render();
      return;
    }
    showNotice(t.reconnecting);
    if (!socket?.active) setTimeout(() => socket?.connect(), 3000);
  });
}

function savePending(): void {
  store.set('pending', pending.length ? JSON.stringify(pending) : null);
}

/** Sends queued messages one at a time; an unanswered send is repeated with the same client id, which the server de-duplicates. */
async function flush(): Promise<void> {
  if (flushing || !socket?.connected || !session) return;
  flushing = true;
  try {
    while (pending.length && socket.connected) {
      const p = pending[0]!;
      let ack: WidgetAck<{ message: VisitorMessage }>;
      try {
        ack = await socket.timeout(10000).emitWithAck('message.send', p);
      } catch {
        break; // no answer: the reconnect handler flushes again
      }
      if (ack.ok) {
        pending.shift();
        savePending();
        upsert(ack.message);
      } else if (ack.code === 'RATE_LIMITED') {
        await new Promise((r) => setTimeout(r, 2000));
      } else {
        pending.shift();
        savePending();
        const local = messages.get(p.clientId);
        if (local) upsert({ ...local, status: 'failed' });
      }
    }
  } finally {
    flushing = false;
  }
}

function queue(text: string): void {
  const clientId = newId();
  pending.push({ clientId, text });
  savePending();
  upsert({
    id: `local:${clientId}`,
    clientId,
    direction: 'inbound',
    text,
    attachments: [],
    author: { type: 'contact', name: null, avatarUrl: null },
    status: 'queued',
    createdAt: new Date().toISOString(),
  });
  void flush();
}

function setTyping(on: boolean): void {
  if (typingSent === on || !socket?.connected) return;
  typingSent = on;
  socket.emit('typing', { typing: on });
}

async function upload(f: File): Promise<void> {
  const max = config?.maxUploadBytes ?? 5 * 1024 * 1024;
  if (f.size > max) return showNotice(fill(t.tooLarge, { mb: Math.round(max / 1024 / 1024) }));
  if (!session) return;
  const clientId = newId();
  const res = await fetch(`${baseUrl}/api/v1/widget/${websiteToken}/attachments?clientId=${clientId}`, {
    method: 'POST',
    headers: { 'content-type': f.type || 'application/octet-stream', 'x-visitor-token': session.visitorToken, 'x-file-name': encodeURIComponent(f.name) },
    body: f,
  }).catch(() => null);
  if (!res || !res.ok) {
    const body = res ? await res.json().catch(() => null) : null;
    return showNotice(body?.message ?? t.failed);
  }
  showNotice(null);
  upsert((await res.json()).message);
}

function saveContact(fields: { name?: string; email?: string }): void {
  if (!socket?.connected || !session) return;
  socket.emit('contact.update', fields, (ack) => {
    if (!ack.ok) return showNotice(ack.code === 'VALIDATION_FAILED' ? t.badEmail : ack.message);
    session!.contact = { name: fields.name ?? session!.contact.name, email: fields.email ?? session!.contact.email };
    if (fields.email && offline.hidden === false) showNotice(fill(t.emailSaved, { email: fields.email }));
    render();
  });
}

// ---- interaction ----------------------------------------------------------------------
function setOpen(open: boolean): void {
  opened = open;
  panel.hidden = !open;
  launcher.setAttribute('aria-expanded', String(open));
  launcher.setAttribute('aria-label', open ? t.close : t.open);
  if (open) {
    unread = 0;
    connect();
    render();
    markRead();
    (prechat.hidden ? input : nameInput).focus();
  } else {
    launcher.focus();
  }
}

launcher.addEventListener('click', () => setOpen(!opened));
closeBtn.addEventListener('click', () => setOpen(false));
panel.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') setOpen(false);
});
composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = input.value;
  if (!text.trim()) return;
  input.value = '';
  clearTimeout(typingTimer);
  setTyping(false);
  queue(text);
});
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    composer.requestSubmit();
  }
});
input.addEventListener('input', () => {
  setTyping(input.value.length > 0);
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => setTyping(false), TYPING_IDLE_MS);
});
attachBtn.addEventListener('click', () => file.click());
file.addEventListener('change', () => {
  const f = file.files?.[0];
  file.value = '';
  if (f) void upload(f);
});
prechat.addEventListener('submit', (e) => {
  e.preventDefault();
  saveContact({ name: nameInput.value.trim() || undefined, email: emailInput.value.trim() || undefined });
});
offline.addEventListener('submit', (e) => {
  e.preventDefault();
  if (offEmail.value.trim()) saveContact({ email: offEmail.value.trim() });
});
document.addEventListener('visibilitychange', markRead);

w.InboxWidget = {
  open: () => setOpen(true),
  close: () => setOpen(false),
  toggle: () => setOpen(!opened),
  setLocale(l: string) {
    locale = pickLocale(l, []);
    t = texts(locale);
    applyTexts();
    render();
  },
};

applyTexts();
render();
(document.body ?? document.documentElement).append(rootHost);
// A returning visitor (or one with unsent messages) reconnects at once to see replies live.
if (store.get('token') || pending.length) connect();
if (host.open) setOpen(true);
for (const p of pending)
  upsert({
    id: `local:${p.clientId}`,
    clientId: p.clientId,
    direction: 'inbound',
    text: p.text,
    attachments: [],
    author: { type: 'contact', name: null, avatarUrl: null },
    status: 'queued',
    createdAt: new Date().toISOString(),
  });
