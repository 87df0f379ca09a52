import { useEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { auth } from '../api/client';
import type { AttachmentSummary } from '../api/types';
import { formatFileSize } from './file-size';
import './attachments.css';

export type PreviewKind = 'image' | 'pdf' | 'file';

/**
 * What the timeline may show in place: raster images and PDFs, the same list the server serves
 * inline. SVG is a download (scriptable), so is HTML and anything else.
 */
export function previewKind(contentType: string): PreviewKind {
  const base = contentType.split(';')[0].trim().toLowerCase();
  if (/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(base)) return 'image';
  if (base === 'application/pdf') return 'pdf';
  return 'file';
}

function urlOf(a: AttachmentSummary, inline: boolean): string {
  const base = a.url.startsWith('/api/') || a.url.startsWith('http') ? a.url : `/api/v1/attachments/${a.id}`;
  return inline ? `${base}${base.includes('?') ? '&' : '?'}disposition=inline` : base;
}

/** Attachment URLs need the bearer token, which an <img> or <iframe> cannot send: the bytes come through fetch, shown from a blob: URL. */
async function fetchBlob(a: AttachmentSummary, inline: boolean): Promise<Blob> {
  const res = await fetch(urlOf(a, inline), { headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {} });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.blob();
}

/** A blob: URL for the attachment's bytes while `enabled`, revoked when no longer shown. */
function useBlobUrl(a: AttachmentSummary, enabled: boolean): { url: string | null; error: string | null } {
  const [state, setState] = useState<{ url: string | null; error: string | null }>({ url: null, error: null });
  useEffect(() => {
    if (!enabled) return;
    let url: string | null = null;
    let live = true;
    fetchBlob(a, true).then(
      (blob) => {
        url = URL.createObjectURL(blob);
        if (live) setState({ url, error: null });
        else URL.revokeObjectURL(url);
      },
      (err: Error) => live && setState({ url: null, error: err.message }),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [a, enabled]);
  return state;
}

async function download(a: AttachmentSummary) {
  const url = URL.createObjectURL(await fetchBlob(a, false));
  const link = document.createElement('a');
  link.href = url;
  link.download = a.fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Icons drawn, not emoji: machines without an emoji font would show a box (as ChatBubble). */
const PaperclipIcon = () => (
  <svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden focusable="false" className="att-icon">
    <path fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" d="M10.5 4.5 5.6 9.4a1.4 1.4 0 0 0 2 2l5-5a2.8 2.8 0 0 0-4-4l-5 5a4.2 4.2 0 0 0 6 6l4.4-4.4" />
  </svg>
);
const DocumentIcon = () => (
  <svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden focusable="false" className="att-icon">
    <path fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" d="M4 1.5h5.5L13 5v9.5H4zM9.5 1.5V5H13M6 8.5h5M6 11h5" />
  </svg>
);
const DownloadIcon = () => (
  <svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden focusable="false" className="att-icon">
    <path fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" d="M8 2v8m-3.5-3.5L8 10l3.5-3.5M3 13.5h10" />
  </svg>
);

/** A full-window overlay (lightbox or PDF viewer): Escape, the close button or a click outside closes it. */
function Overlay({ title, onClose, children }: { title: string; onClose(): void; children: ReactNode }) {
  const { t } = useTranslation();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    const before = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => {
      document.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, [onClose]);
  // In document.body: a message bubble's stacking context would keep it under the header and toasts.
  return createPortal(
    <div className="att-overlay" role="dialog" aria-modal="true" aria-label={title} data-testid="attachment-overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="att-overlay-bar">
        <span className="ellipsis">{title}</span>
        <button ref={closeRef} type="button" className="link" onClick={onClose} data-testid="attachment-close">
          {t('attachment.close')}
        </button>
      </div>
      {children}
    </div>,
    document.body,
  );
}

function ImageAttachment({ a, size }: { a: AttachmentSummary; size: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const { url, error } = useBlobUrl(a, true);
  return (
    <li className="att att-image" data-testid="attachment" data-kind="image">
      <button type="button" className="att-thumb" aria-label={t('attachment.open', { name: a.fileName })} onClick={() => setOpen(true)} disabled={!url}>
        {url ? (
          <img src={url} alt={a.fileName} />
        ) : (
          <span className="muted small">{error ? t('attachment.failed', { name: a.fileName, message: error }) : t('attachment.loading')}</span>
        )}
      </button>
      <span className="muted small">
        {a.fileName} · {size}
      </span>
      {open && url && (
        <Overlay title={a.fileName} onClose={() => setOpen(false)}>
          <img className="att-full" src={url} alt={a.fileName} data-testid="attachment-full" />
        </Overlay>
      )}
    </li>
  );
}

function PdfAttachment({ a, size }: { a: AttachmentSummary; size: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const { url, error } = useBlobUrl(a, open);
  return (
    <li className="att att-pdf" data-testid="attachment" data-kind="pdf">
      <button type="button" className="link" onClick={() => setOpen(true)} aria-label={t('attachment.open', { name: a.fileName })}>
        <DocumentIcon /> {a.fileName}
      </button>{' '}
      <span className="muted small">{size}</span>{' '}
      <button type="button" className="link small" onClick={() => void download(a)} aria-label={t('attachment.download', { name: a.fileName })}>
        <DownloadIcon />
      </button>
      {open && (
        <Overlay title={a.fileName} onClose={() => setOpen(false)}>
          {url ? (
            <iframe className="att-pdf-frame" src={url} title={t('attachment.preview', { name: a.fileName })} data-testid="attachment-pdf" />
          ) : (
            <div className="att-overlay-msg">{error ? t('attachment.failed', { name: a.fileName, message: error }) : t('attachment.loading')}</div>
          )}
        </Overlay>
      )}
    </li>
  );
}

function FileAttachment({ a, size }: { a: AttachmentSummary; size: string }) {
  const { t } = useTranslation();
  return (
    <li className="att att-file" data-testid="attachment" data-kind="file">
      <button type="button" className="link" onClick={() => void download(a)} aria-label={t('attachment.download', { name: a.fileName })}>
        <PaperclipIcon /> {a.fileName}
      </button>{' '}
      <span className="muted small">{size}</span>
    </li>
  );
}

/** A message's attachments: images as thumbnails (click: full size), PDFs in a viewer, the rest as downloads with their size. */
export function AttachmentList({ list }: { list: AttachmentSummary[] }) {
  const { t, i18n } = useTranslation();
  if (!list.length) return null;
  const lng = i18n.resolvedLanguage ?? i18n.language ?? 'en';
  return (
    <ul className="attachments" aria-label={t('conversation.attachments')}>
      {list.map((a) => {
        const size = formatFileSize(lng, a.size);
        const kind = previewKind(a.contentType);
        if (kind === 'image') return <ImageAttachment key={a.id} a={a} size={size} />;
        if (kind === 'pdf') return <PdfAttachment key={a.id} a={a} size={size} />;
        return <FileAttachment key={a.id} a={a} size={size} />;
      })}
    </ul>
  );
}
