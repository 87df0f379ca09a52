import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import type { AttachmentSummary } from '../api/types';
import { AttachmentList, previewKind } from './attachment-list';
import { formatFileSize } from './file-size';

const att = (o: Partial<AttachmentSummary>): AttachmentSummary => ({
  id: 'a1',
  fileName: 'file.bin',
  contentType: 'application/octet-stream',
  size: 10,
  url: '/api/v1/attachments/a1',
  ...o,
});
const spaces = (s: string) => s.replace(/\s/g, ' ');

describe('formatFileSize', () => {
  it.each([
    ['en', 0, '0 byte'],
    ['en', 512, '512 byte'],
    ['en', 1536, '1.5 kB'],
    ['en', 20 * 1024, '20 kB'],
    ['en', 1.5 * 1024 * 1024, '1.5 MB'],
    ['fr', 1.5 * 1024 * 1024, '1,5 Mo'],
    ['uk', 1536, '1,5 кБ'],
    ['es', 3 * 1024 ** 3, '3 GB'],
  ])('%s %d bytes → %s', (lng, bytes, want) => {
    expect(spaces(formatFileSize(lng, bytes))).toBe(want);
  });
});

describe('previewKind', () => {
  it.each([
    ['image/png', 'image'],
    ['image/JPEG; name=a.jpg', 'image'],
    ['image/svg+xml', 'file'],
    ['application/pdf', 'pdf'],
    ['text/html', 'file'],
    ['application/zip', 'file'],
  ])('%s → %s', (type, kind) => expect(previewKind(type)).toBe(kind));
});

describe('AttachmentList', () => {
  const fetchMock = vi.fn();
  beforeEach(async () => {
    await i18n.changeLanguage('en');
    fetchMock.mockReset();
    fetchMock.mockImplementation(async (url: string) => new Response(new Blob([`bytes of ${url}`], { type: url.includes('a2') ? 'application/pdf' : 'image/png' })));
    vi.stubGlobal('fetch', fetchMock);
    let n = 0;
    URL.createObjectURL = vi.fn(() => `blob:test/${++n}`);
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  const list = [
    att({ id: 'a1', fileName: 'photo.png', contentType: 'image/png', size: 2048, url: '/api/v1/attachments/a1' }),
    att({ id: 'a2', fileName: 'invoice.pdf', contentType: 'application/pdf', size: 1.5 * 1024 * 1024, url: '/api/v1/attachments/a2' }),
    att({ id: 'a3', fileName: 'notes.zip', contentType: 'application/zip', size: 700, url: '/api/v1/attachments/a3' }),
  ];

  it('shows an image as a thumbnail loaded inline, a PDF and a file by name with their size', async () => {
    render(<AttachmentList list={list} />);
    const kinds = screen.getAllByTestId('attachment').map((el) => el.getAttribute('data-kind'));
    expect(kinds).toEqual(['image', 'pdf', 'file']);
    const thumb = await screen.findByRole('img', { name: 'photo.png' });
    expect(thumb.getAttribute('src')).toMatch(/^blob:/);
    // Only the image is fetched up front, inline; the PDF waits for a click.
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/attachments/a1?disposition=inline');
  });

  it('opens the image full size in an overlay that Escape closes', async () => {
    render(<AttachmentList list={list} />);
    await screen.findByRole('img', { name: 'photo.png' });
    fireEvent.click(screen.getByRole('button', { name: 'Open photo.png' }));
    expect(screen.getByRole('dialog', { name: 'photo.png' })).toBeTruthy();
    expect(screen.getByTestId('attachment-full').getAttribute('src')).toMatch(/^blob:/);
    act(() => void document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' })));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('opens a PDF in a framed viewer of its bytes, closed by the close button', async () => {
    render(<AttachmentList list={list} />);
    fireEvent.click(screen.getByRole('button', { name: 'Open invoice.pdf' }));
    const frame = await screen.findByTestId('attachment-pdf');
    expect(frame.tagName).toBe('IFRAME');
    expect(frame.getAttribute('src')).toMatch(/^blob:/);
    expect(fetchMock.mock.calls.map((c) => c[0])).toContain('/api/v1/attachments/a2?disposition=inline');
    fireEvent.click(screen.getByTestId('attachment-close'));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('downloads another file with its name (never inline) and says its size in the reader’s language', async () => {
    await i18n.changeLanguage('fr');
    render(<AttachmentList list={list} />);
    const file = screen.getAllByTestId('attachment')[2];
    expect(spaces(file.textContent ?? '')).toContain('700 o');
    expect(spaces(screen.getAllByTestId('attachment')[1].textContent ?? '')).toContain('1,5 Mo');
    fireEvent.click(screen.getByRole('button', { name: 'Télécharger notes.zip' }));
    await waitFor(() => expect(fetchMock.mock.calls.map((c) => c[0])).toContain('/api/v1/attachments/a3'));
  });
});
