import { forwardRef, useEffect, useImperativeHandle, useRef, useState, type KeyboardEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client';
import type { CannedResponse, Contact, ConversationSummary } from '../api/types';
import { applyCanned, CANNED_VARIABLES, cannedQuery, fillVariables, matchCanned } from '../lib/canned';
import { useMe } from '../session/session';
import { useLive } from '../live/live';
import { ArticlePicker } from '../kb/article-picker';
import { useMentionPicker } from './mention-picker';
import './canned.css';

export interface OutgoingAttachment {
  fileName: string;
  contentType: string;
  dataBase64: string;
  size: number;
}

export interface Draft {
  text: string;
  isNote: boolean;
  subject?: string;
  cc?: string;
  attachments: OutgoingAttachment[];
  /** Knowledge base articles inserted into this reply (the conversation lists them). */
  kbArticleIds?: string[];
  /** Teammates a note names as `@Name` (their ids). */
  mentions?: string[];
}

export interface ComposerHandle {
  focus(): void;
}

const MAX_ATTACHMENT_BYTES = 700 * 1024;
const CANNED_LIST = CANNED_VARIABLES.map((v) => `{{${v}}}`).join(', ');

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(',')[1] ?? '');
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

export const Composer = forwardRef<ComposerHandle, { conversation: ConversationSummary; onSend(d: Draft): void }>(function Composer({ conversation, onSend }, ref) {
  const { t } = useTranslation();
  const live = useLive();
  const [text, setText] = useState('');
  const [isNote, setIsNote] = useState(false);
  const [subject, setSubject] = useState(conversation.subject ? `Re: ${conversation.subject.replace(/^re:\s*/i, '')}` : '');
  const [cc, setCc] = useState('');
  const [files, setFiles] = useState<OutgoingAttachment[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const [cannedIndex, setCannedIndex] = useState(0);
  const [picking, setPicking] = useState(false);
  const [articleIds, setArticleIds] = useState<string[]>([]);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const typingRef = useRef<{ on: boolean; timer?: ReturnType<typeof setTimeout> }>({ on: false });
  useImperativeHandle(ref, () => ({ focus: () => textRef.current?.focus() }), []);
  const mentions = useMentionPicker({ conversationId: conversation.id, enabled: isNote, text, setText, textRef });

  const me = useMe();
  // The sidebar loads the same contact under this key: the email comes from its cache.
  const contact = useQuery({ queryKey: ['contact', conversation.contactId], queryFn: () => get<Contact>(`/contacts/${conversation.contactId}`), staleTime: 60_000 });
  const filled = fillVariables(text, {
    'contact.name': contact.data?.name ?? conversation.contactName,
    'contact.email': contact.data?.email,
    'agent.name': me.name,
    'conversation.id': conversation.id,
    'conversation.subject': conversation.subject,
  });
  // Nothing goes out with a `{{…}}` still in it: a typo or a missing value is fixed first.
  const blocked = filled.unknown.length > 0 || filled.missing.length > 0;

  const canned = useQuery({ queryKey: ['canned'], queryFn: () => get<CannedResponse[]>('/canned-responses'), staleTime: 60_000, retry: false });
  const query = cannedQuery(text);
  const suggestions = query !== null ? matchCanned(canned.data ?? [], query) : [];
  const typingShortcut = query !== null;
  // Fresh when the agent starts a /shortcut: a response added a minute ago must show up.
  useEffect(() => {
    if (typingShortcut) void canned.refetch();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typingShortcut]);

  const setTyping = (on: boolean) => {
    const s = typingRef.current;
    clearTimeout(s.timer);
    if (on) s.timer = setTimeout(() => setTyping(false), 3000);
    if (s.on === on) return;
    s.on = on;
    live.command('typing', { conversationId: conversation.id, typing: on }).catch(() => undefined);
  };
  useEffect(() => () => clearTimeout(typingRef.current.timer), []);

  const send = () => {
    if (!text.trim() || blocked) return;
    onSend({
      text: filled.text,
      isNote,
      subject: conversation.channel === 'email' ? subject : undefined,
      cc: conversation.channel === 'email' ? cc : undefined,
      attachments: files,
      kbArticleIds: !isNote && articleIds.length ? articleIds : undefined,
      mentions: isNote ? mentions.idsIn(filled.text) : undefined,
    });
    mentions.reset();
    setText('');
    setFiles([]);
    setArticleIds([]);
    setTyping(false);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (mentions.onKeyDown(e)) return;
    if (suggestions.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setCannedIndex((i) => (i + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        setText(applyCanned(text, suggestions[Math.min(cannedIndex, suggestions.length - 1)]));
        return;
      }
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      send();
    }
    if (e.key === 'Escape') textRef.current?.blur();
  };

  const addFiles = async (list: FileList | null) => {
    setFileError(null);
    for (const f of Array.from(list ?? [])) {
      if (f.size > MAX_ATTACHMENT_BYTES) {
        setFileError(t('composer.tooLarge', { name: f.name, max: `${Math.round(MAX_ATTACHMENT_BYTES / 1024)} KB` }));
        continue;
      }
      const dataBase64 = await readBase64(f);
      setFiles((cur) => [...cur, { fileName: f.name, contentType: f.type || 'application/octet-stream', dataBase64, size: f.size }]);
    }
  };

  return (
    <div className={`composer ${isNote ? 'is-note' : ''}`}>
      <div className="composer-modes" role="tablist">
        <button role="tab" aria-selected={!isNote} className={!isNote ? 'active' : ''} onClick={() => setIsNote(false)} data-testid="mode-reply">
          {t('composer.reply')}
        </button>
        <button role="tab" aria-selected={isNote} className={isNote ? 'active' : ''} onClick={() => setIsNote(true)} data-testid="mode-note">
          {t('composer.note')}
        </button>
      </div>
      {conversation.channel === 'email' && !isNote && (
        <div className="composer-fields">
          <input aria-label={t('composer.subject')} placeholder={t('composer.subject')} value={subject} onChange={(e) => setSubject(e.target.value)} />
          <input aria-label={t('composer.cc')} placeholder={t('composer.cc')} value={cc} onChange={(e) => setCc(e.target.value)} />
        </div>
      )}
      {suggestions.length > 0 && (
        <ul className="canned-menu" role="listbox">
          {suggestions.map((c, i) => (
            <li
              key={c.id}
              role="option"
              aria-selected={i === cannedIndex}
              className={i === cannedIndex ? 'active' : ''}
              onMouseDown={(e) => (e.preventDefault(), setText(applyCanned(text, c)))}
            >
              <strong>/{c.shortcut}</strong> {c.title}
              {c.teamId && <span className="pill small">{t('cannedVars.teamOnly')}</span>}
            </li>
          ))}
        </ul>
      )}
      {mentions.menu}
      {query !== null && canned.isSuccess && suggestions.length === 0 && <div className="muted small">{t('composer.noCanned')}</div>}
      {picking && (
        <ArticlePicker
          language={conversation.language}
          onClose={() => setPicking(false)}
          onInsert={(inserted, id) => {
            setText((cur) => (cur.trim() ? `${cur.trimEnd()}\n\n${inserted}` : inserted));
            setArticleIds((ids) => (ids.includes(id) ? ids : [...ids, id]));
            setPicking(false);
            textRef.current?.focus();
          }}
        />
      )}
      <textarea
        ref={textRef}
        data-testid="composer-text"
        value={text}
        rows={3}
        placeholder={isNote ? t('composer.placeholderNote') : t('composer.placeholderReply')}
        onChange={(e) => {
          setText(e.target.value);
          setCannedIndex(0);
          mentions.onCaret(e.target.selectionStart);
          if (!isNote) setTyping(Boolean(e.target.value));
        }}
        onSelect={(e) => mentions.onCaret(e.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
      />
      {files.length > 0 && (
        <ul className="attachments">
          {files.map((f, i) => (
            <li key={i}>
              📎 {f.fileName}{' '}
              <button className="link" aria-label={t('composer.removeAttachment', { name: f.fileName })} onClick={() => setFiles((cur) => cur.filter((_, j) => j !== i))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {fileError && <div className="error small">{fileError}</div>}
      {filled.hasVariables && (
        <div className="canned-preview small" data-testid="canned-preview">
          <div className="muted">{t('cannedVars.preview')}</div>
          <div className="canned-preview-text">{filled.text}</div>
          {filled.unknown.map((v) => (
            <div key={v} className="error" role="alert" data-testid="canned-unknown">
              {t('cannedVars.unknown', { name: `{{${v}}}`, known: CANNED_LIST })}
            </div>
          ))}
          {filled.missing.map((v) => (
            <div key={v} className="error" role="alert" data-testid="canned-missing">
              {t('cannedVars.missing', { name: `{{${v}}}` })}
            </div>
          ))}
        </div>
      )}
      <div className="composer-actions">
        <label className="button ghost">
          📎 {t('composer.attach')}
          <input type="file" multiple hidden onChange={(e) => void addFiles(e.target.files)} />
        </label>
        <button className="ghost" onClick={() => setPicking((v) => !v)} data-testid="insert-article">
          📖 {t('kb.insert')}
        </button>
        <div className="spacer" />
        <button className="primary" data-testid="send" onClick={send} disabled={!text.trim() || blocked}>
          {isNote ? t('composer.addNote') : t('composer.send')}
        </button>
      </div>
    </div>
  );
});
