import { Client } from 'pg';
import { TestApp, bootFixture, uid } from './helpers/app';

// A 1×1 PNG and the smallest PDF header: the server never parses them, only serves the bytes back.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

describe('attachment downloads: inline previews for images and PDFs only', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let ids: Record<string, string>;

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api' } })).body;
    const conv = (
      await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: `c-${uid()}` }, text: 'files please' } })
    ).body as { conversationId: string };
    const files = [
      { fileName: 'photo.png', contentType: 'image/png', data: PNG },
      { fileName: 'invoice.pdf', contentType: 'application/pdf', data: PDF },
      { fileName: 'page.html', contentType: 'text/html', data: Buffer.from('<script>alert(1)</script>') },
      { fileName: 'logo.svg', contentType: 'image/svg+xml', data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') },
    ];
    const posted = await sut.api('POST', `/conversations/${conv.conversationId}/messages/with-attachments`, {
      token: admin,
      body: { text: 'files', private: true, attachments: files.map((f) => ({ fileName: f.fileName, contentType: f.contentType, dataBase64: f.data.toString('base64') })) },
    });
    expect(posted.status).toBe(201);
    ids = Object.fromEntries(posted.body.attachments.map((a: { fileName: string; id: string }) => [a.fileName, a.id]));
  });

  afterAll(async () => {
    await sut?.close();
  });

  const download = (id: string, query = '') => fetch(`${sut.url}/api/v1/attachments/${id}${query}`, { headers: { authorization: `Bearer ${admin}` } });

  it('serves an image and a PDF inline when asked, with their type and nosniff', async () => {
    for (const [name, type, bytes] of [
      ['photo.png', 'image/png', PNG],
      ['invoice.pdf', 'application/pdf', PDF],
    ] as const) {
      const res = await download(ids[name], '?disposition=inline');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-disposition')).toBe(`inline; filename*=UTF-8''${name}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it('keeps a download without the query, and for HTML and SVG even when inline is asked', async () => {
    expect((await download(ids['photo.png'])).headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''photo.png`);
    for (const name of ['page.html', 'logo.svg']) {
      const res = await download(ids[name], '?disposition=inline');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${name}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('an image stored with a type that only looks like one stays a download', async () => {
    await db.query(`UPDATE attachments SET content_type = 'image/png; x=1' WHERE id = $1`, [ids['photo.png']]);
    // Parameters are fine: the base type decides.
    expect((await download(ids['photo.png'], '?disposition=inline')).headers.get('content-disposition')).toMatch(/^inline;/);
    await db.query(`UPDATE attachments SET content_type = 'image/svg+xml; charset=utf-8' WHERE id = $1`, [ids['photo.png']]);
    expect((await download(ids['photo.png'], '?disposition=inline')).headers.get('content-disposition')).toMatch(/^attachment;/);
    await db.query(`UPDATE attachments SET content_type = 'image/png' WHERE id = $1`, [ids['photo.png']]);
  });

  it('answers 400 naming the field for an unknown disposition', async () => {
    const res = await download(ids['photo.png'], '?disposition=embed');
    expect(res.status).toBe(400);
    expect((await res.json()).details.fields).toHaveProperty('disposition');
  });
});
