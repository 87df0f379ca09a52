import { Client } from 'pg';
import { TestApp, bootFixture, uid } from './helpers/app';

/**
 * Search and the knowledge base through the real server and PostgreSQL: language-aware
 * matching in five languages, the same visibility as every other door, highlighted and paged
 * results, and articles from the editor to the composer, the widget and the help centre.
 */
describe('search and knowledge base', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
  });

  afterAll(async () => {
    await sut?.close();
  });

  async function user(role: 'agent' | 'coordinator') {
    const email = `${role}-${uid()}@example.com`;
    const res = await sut.api('POST', '/users', { token: admin, body: { email, name: `${role} ${uid()}`, password: 'a-password-1', role } });
    expect(res.status).toBe(201);
    return { ...res.body, token: await sut.login(email, 'a-password-1') } as { id: string; token: string };
  }
  async function inbox(extra: Record<string, unknown> = { channel: 'api' }) {
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string; websiteToken: string };
  }
  const member = async (inboxId: string, userId: string) =>
    expect((await sut.api('POST', `/inboxes/${inboxId}/members`, { token: admin, body: { userId } })).status).toBeLessThan(300);
  async function ingest(ib: { id: string; token: string }, text: string, contact: Record<string, unknown> = {}) {
    const res = await sut.api('POST', `/inboxes/${ib.id}/incoming`, {
      token: ib.token,
      body: { externalId: `ext-${uid()}`, contact: { identifier: `c-${uid()}`, ...contact }, text },
    });
    expect(res.status).toBe(201);
    return res.body as { conversationId: string; messageId: string };
  }
  const search = (token: string, query: Record<string, string>) => sut.api('GET', `/search?${new URLSearchParams(query)}`, { token });
  const messageIds = async (token: string, q: string, extra: Record<string, string> = {}) => {
    const res = await search(token, { q, type: 'messages', limit: '50', ...extra });
    expect(res.status).toBe(200);
    return (res.body.messages.items as Array<{ id: string }>).map((m) => m.id);
  };

  describe('matching', () => {
    let ib: { id: string; token: string };
    const marker = () => `zq${uid()}`; // a word no other test writes, so results are exactly ours

    beforeAll(async () => {
      ib = await inbox();
    });

    it.each([
      // [language hint on the contact (null = detected from the text), message, what an agent types]
      ['en', 'I need a refund for the broken headphones', 'refunds'],
      [null, 'I would like a refund because the order arrived broken', 'refu'],
      ['fr', 'Je voudrais être remboursé pour la commande cassée', 'remboursement'],
      [null, 'Bonjour, je voudrais être remboursée de ma commande, elle est arrivée cassée', 'rembourse'],
      ['it', "Vorrei il rimborso dell'ordine, è arrivato rotto", 'rimborsi'],
      [null, 'Buongiorno, vorrei il rimborso del mio ordine perché è arrivato rotto', 'rimbo'],
      ['es', 'Quiero el reembolso de mi pedido, llegó roto', 'reembolsos'],
      [null, 'Hola, quiero el reembolso de los pedidos porque llegaron rotos', 'pedido'],
      ['uk', 'Прошу повернення коштів за замовлення', 'ПОВЕР'],
      [null, 'Добрий день, де моє замовлення?', 'замовл'],
    ])('finds a %s message by a stemmed or prefixed word', async (language, text, typed) => {
      const m = marker();
      const { messageId } = await ingest(ib, `${text} ${m}`, language ? { language } : {});
      expect(await messageIds(admin, `${typed} ${m}`)).toEqual([messageId]);
    });

    it('ignores accents and case, so a hurried agent still finds the message', async () => {
      const m = marker();
      const { messageId } = await ingest(ib, `Ma commande est arrivée CASSÉE ${m}`, { language: 'fr' });
      expect(await messageIds(admin, `arrivee cassee ${m}`)).toEqual([messageId]);
    });

    it('matches words in any order, phrases only in order', async () => {
      const m = marker();
      const inOrder = await ingest(ib, `The order arrived late again ${m}`);
      const reversed = await ingest(ib, `Late again: the parcel with my order never arrived ${m}`);
      expect((await messageIds(admin, `arrived order ${m}`)).sort()).toEqual([inOrder.messageId, reversed.messageId].sort());
      expect(await messageIds(admin, `"order arrived late" ${m}`)).toEqual([inOrder.messageId]);
    });

    it('searches a word by the prefixes no other of its stems covers, and still finds every form', async () => {
      // "late" stems to 'late' in English and 'lat' in French, Italian and Spanish: 'lat':* alone
      // finds all that 'late':* finds, with one index scan fewer. "renewals": 'renew' covers 'renewal'.
      const q = await db.query<{ q: string }>(`SELECT inbox_search_tsquery(ARRAY['late', 'renewals'], '{}', '{}')::text AS q`);
      expect(q.rows[0].q).toBe(`'lat':* & 'renew':*`);
      // Words whose stems do not cover each other keep all of them; phrases have no prefixes to merge.
      const kept = await db.query<{ q: string }>(`SELECT inbox_search_tsquery(ARRAY['delivery'], ARRAY['order arrived'], '{}')::text AS q`);
      expect(kept.rows[0].q).toBe(`( 'deliveri':* | 'delivery':* ) & ( 'order' <-> 'arriv' | 'order' <-> 'arrived' )`);
      const m = marker();
      const late = await ingest(ib, `My renewal is late ${m}`, { language: 'en' });
      const later = await ingest(ib, `Renewing later, ritardo ${m}`, { language: 'it' });
      expect((await messageIds(admin, `late ${m}`)).sort()).toEqual([late.messageId, later.messageId].sort());
      expect((await messageIds(admin, `renewals ${m}`)).sort()).toEqual([late.messageId, later.messageId].sort());
    });

    it('finds contacts by exact email address and phone number, and messages quoting the address', async () => {
      const email = `ana.${uid()}@example.com`;
      const phone = `+33 6 ${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
      const { conversationId } = await ingest(ib, 'hello', { name: 'Ana Lopez', email, phone });
      const contactId = (await db.query(`SELECT contact_id FROM conversations WHERE id = $1`, [conversationId])).rows[0].contact_id;
      const other = await ingest(ib, `please write to ${email} instead`);

      const byEmail = await search(admin, { q: email });
      expect(byEmail.body.contacts.items.map((c: { id: string }) => c.id)).toEqual([contactId]);
      expect(byEmail.body.contacts.items[0].exact).toBe(true);
      expect(byEmail.body.messages.items.map((m: { id: string }) => m.id)).toEqual([other.messageId]);
      const byPhone = await search(admin, { q: phone.replace(/ /g, '-'), type: 'contacts' });
      expect(byPhone.body.contacts.items.map((c: { id: string }) => c.id)).toEqual([contactId]);
      const byId = await search(admin, { q: conversationId, type: 'conversations' });
      expect(byId.body.conversations.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    });

    it('highlights the match and names the conversation of each message', async () => {
      const m = marker();
      const { conversationId, messageId } = await ingest(ib, `Where is my parcel? 5 < 6 & <b>bold</b> ${m}`, { name: 'Zoé' });
      const res = await search(admin, { q: `parcels ${m}`, type: 'messages' });
      const [hit] = res.body.messages.items;
      expect(hit).toMatchObject({ id: messageId, conversationId, conversation: { id: conversationId, contactName: 'Zoé' } });
      expect(hit.snippet).toEqual(expect.arrayContaining([{ text: 'parcel', hit: true }]));
      // Plain parts, never HTML: the text's own angle brackets come back as they were written.
      expect(hit.snippet.map((s: { text: string }) => s.text).join('')).toContain('5 < 6 &');
    });

    it('pages through results with a stable cursor, relevance and recency alike', async () => {
      const m = marker();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await ingest(ib, `${i % 2 ? 'invoice invoice invoice' : 'invoice'} copy ${i} ${m}`)).messageId);
      for (const sort of ['relevance', 'recent']) {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const res = await search(admin, { q: `invoice ${m}`, type: 'messages', limit: '3', sort, ...(cursor ? { cursor } : {}) });
          expect(res.status).toBe(200);
          seen.push(...res.body.messages.items.map((x: { id: string }) => x.id));
          cursor = res.body.messages.nextCursor ?? undefined;
        } while (cursor);
        expect(seen.sort()).toEqual([...ids].sort());
      }
    });

    it('narrows GET /conversations with ?q=', async () => {
      const m = marker();
      const { conversationId } = await ingest(ib, `My subscription renewal failed ${m}`);
      await ingest(ib, `unrelated ${m}x`);
      const res = await sut.api('GET', `/conversations?q=${encodeURIComponent(`renewal ${m}`)}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    });

    it.each([
      ['', 'q'],
      ['type=everything&q=x', 'type'],
      ['q=x&status=lost', 'status'],
      ['q=x&from=yesterday', 'from'],
      ['q=x&type=messages&cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['q=%22%20%22', 'q'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const res = await sut.api('GET', `/search?${query}`, { token: admin });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.details.fields)).toContain(field);
    });
  });

  describe('visibility', () => {
    it('shows an agent exactly the conversations, messages and contacts of their inboxes', async () => {
      const [mine, theirs] = [await inbox(), await inbox()];
      const [agent, outsider] = [await user('agent'), await user('agent')];
      await member(mine.id, agent.id);
      await member(theirs.id, outsider.id);
      const word = `secret${uid()}`;
      const name = `Hidden${uid()}`;
      const { conversationId, messageId } = await ingest(mine, `the ${word} code`, { name });

      const inside = await search(agent.token, { q: word });
      expect(inside.body.messages.items.map((m: { id: string }) => m.id)).toEqual([messageId]);
      expect(inside.body.conversations.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
      expect((await search(agent.token, { q: name })).body.contacts.items).toHaveLength(1);

      const outside = await search(outsider.token, { q: word });
      expect(outside.status).toBe(200);
      expect([outside.body.messages.items, outside.body.conversations.items, outside.body.contacts.items]).toEqual([[], [], []]);
      expect((await search(outsider.token, { q: name })).body.contacts.items).toEqual([]);
      const byId = await search(outsider.token, { q: conversationId });
      expect(byId.status).toBe(200);
      expect(byId.body.conversations.items).toEqual([]);
      expect((await sut.api('GET', `/conversations?q=${word}`, { token: outsider.token })).body.items).toEqual([]);
    });

    it('hides private notes from a bot, not from agents', async () => {
      const ib = await inbox();
      const agent = await user('agent');
      await member(ib.id, agent.id);
      const bot = (await sut.api('POST', '/bots', { token: admin, body: { name: `Bot ${uid()}` } })).body.token as string;
      const { conversationId } = await ingest(ib, 'hello');
      const word = `note${uid()}`;
      const note = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: agent.token, body: { text: `customer is ${word}`, private: true } });
      expect(note.status).toBe(201);

      expect(await messageIds(agent.token, word)).toEqual([note.body.id]);
      expect(await messageIds(bot, word)).toEqual([]);
      expect((await search(bot, { q: word, type: 'conversations' })).body.conversations.items).toEqual([]);
    });
  });

  describe('knowledge base', () => {
    it("goes from a coordinator's draft to an agent's reply, the widget and the help centre", async () => {
      const coordinator = await user('coordinator');
      const agent = await user('agent');
      const word = `colis${uid()}`;
      const draft = await sut.api('POST', '/kb/articles', {
        token: coordinator.token,
        body: {
          title: `Suivre mon colis ${word}`,
          locale: 'fr',
          category: 'Livraison',
          tags: ['livraison'],
          body: `Votre **${word}** est expédié sous 48 h. Les remboursements sont traités en 5 jours.`,
        },
      });
      expect(draft.status).toBe(201);
      expect(draft.body).toMatchObject({ status: 'draft', slug: `suivre-mon-colis-${word}`, locale: 'fr' });
      expect((await sut.api('POST', '/kb/articles', { token: agent.token, body: { title: 'x', locale: 'en', body: 'x' } })).status).toBe(403);
      // Drafts are staff work: agents, the widget and the help centre do not see them.
      expect((await sut.api('GET', `/kb/articles/${draft.body.id}`, { token: agent.token })).status).toBe(404);
      expect((await sut.api('GET', `/kb/articles?q=${word}`, { token: agent.token })).body.items).toEqual([]);
      expect((await fetch(`${sut.url}/help/fr/${draft.body.slug}`)).status).toBe(404);

      const published = await sut.api('PATCH', `/kb/articles/${draft.body.id}`, { token: coordinator.token, body: { status: 'published' } });
      expect(published.status).toBe(200);
      expect(published.body.publishedAt).not.toBeNull();

      // The composer: an agent searches in the conversation's language, with a stemmed word.
      const found = await sut.api('GET', `/kb/articles?locale=fr&q=${encodeURIComponent(`remboursement ${word}`)}`, { token: agent.token });
      expect(found.body.items.map((a: { id: string }) => a.id)).toEqual([draft.body.id]);
      const full = await sut.api('GET', `/kb/articles/${draft.body.id}`, { token: agent.token });
      expect(full.body.text).toContain(`Votre ${word} est expédié`);
      const inAll = await search(agent.token, { q: word, type: 'articles' });
      expect(inAll.body.articles.items.map((a: { id: string }) => a.id)).toEqual([draft.body.id]);

      // Sent in a reply: the conversation lists it.
      const ib = await inbox();
      await member(ib.id, agent.id);
      const { conversationId } = await ingest(ib, 'Où est mon colis ?', { language: 'fr' });
      const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, {
        token: agent.token,
        body: { text: full.body.text, metadata: { kbArticleIds: [draft.body.id] } },
      });
      expect(reply.status).toBe(201);
      const sent = await sut.api('GET', `/kb/conversations/${conversationId}/articles`, { token: agent.token });
      expect(sent.body.items).toEqual([expect.objectContaining({ id: draft.body.id, messageId: reply.body.id })]);
      const outsider = await user('agent');
      expect((await sut.api('GET', `/kb/conversations/${conversationId}/articles`, { token: outsider.token })).status).toBe(403);

      // The widget suggests it from a visitor's first sentence, from an allowed site only.
      const origin = 'https://shop.example';
      const chat = await inbox({ channel: 'webchat', allowedOrigins: [origin] });
      const suggest = await fetch(`${sut.url}/api/v1/widget/${chat.websiteToken}/articles?locale=fr&q=${encodeURIComponent(`bonjour, mon ${word} n'arrive pas`)}`, {
        headers: { origin },
      });
      expect(suggest.status).toBe(200);
      expect(suggest.headers.get('access-control-allow-origin')).toBe(origin);
      const suggested = await suggest.json();
      expect(suggested.items).toEqual([expect.objectContaining({ id: draft.body.id, path: `/help/fr/${draft.body.slug}` })]);
      expect((await fetch(`${sut.url}/api/v1/widget/${chat.websiteToken}/articles?q=${word}`, { headers: { origin: 'https://evil.example' } })).status).toBe(403);

      // The help centre: server-rendered, public, cacheable.
      const page = await fetch(`${sut.url}/help/fr/${draft.body.slug}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toContain('public');
      const html = await page.text();
      expect(html).toContain(`<strong>${word}</strong>`);
      expect(html).toContain('Centre d&#39;aide');
      const results = await (await fetch(`${sut.url}/help/fr?q=${word}`)).text();
      expect(results).toContain(`href="/help/fr/${draft.body.slug}"`);
    });

    it('renders the help centre in Ukrainian', async () => {
      const res = await fetch(`${sut.url}/help/uk`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<html lang="uk">');
      expect(html).toContain('Довідковий центр');
    });

    it('neutralises hostile Markdown in the API, the preview and the help centre', async () => {
      const hostile = [
        '<script>alert(1)</script>',
        '<img src=x onerror="alert(2)">',
        '[click](javascript:alert(3))',
        '<a href="https://x.example" onclick="alert(4)">x</a>',
        '![p](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)',
        '<iframe src="https://evil.example"></iframe>',
      ].join('\n\n');
      const a = await sut.api('POST', '/kb/articles', { token: admin, body: { title: `Hostile ${uid()}`, locale: 'en', body: hostile, status: 'published' } });
      expect(a.status).toBe(201);
      const preview = await sut.api('POST', '/kb/preview', { token: admin, body: { body: hostile } });
      const page = await (await fetch(`${sut.url}/help/en/${a.body.slug}`)).text();
      for (const html of [a.body.html, preview.body.html, page.slice(page.indexOf('<article>'))]) {
        expect(html).not.toMatch(/<script|<iframe|<img[^>]*onerror|<[a-z][^>]*\son[a-z]+=|href="javascript:|src="data:/i);
      }
    });

    it('refuses a second article with the same slug in one locale, naming the field', async () => {
      const slug = `dup-${uid()}`;
      expect((await sut.api('POST', '/kb/articles', { token: admin, body: { title: 'One', slug, locale: 'es', body: 'x' } })).status).toBe(201);
      const again = await sut.api('POST', '/kb/articles', { token: admin, body: { title: 'Two', slug, locale: 'es', body: 'y' } });
      expect(again.status).toBe(409);
      expect(again.body.details.fields).toHaveProperty('slug');
    });

    it('links translations of one article', async () => {
      const en = await sut.api('POST', '/kb/articles', { token: admin, body: { title: `Returns ${uid()}`, locale: 'en', body: 'How to return', status: 'published' } });
      const uk = await sut.api('POST', '/kb/articles', {
        token: admin,
        body: { title: `Повернення ${uid()}`, locale: 'uk', body: 'Як повернути', status: 'published', translationOf: en.body.id },
      });
      expect(uk.status).toBe(201);
      expect(uk.body.translations.map((t: { locale: string }) => t.locale)).toEqual(['en', 'uk']);
      const page = await (await fetch(`${sut.url}/help/en/${en.body.slug}`)).text();
      expect(page).toContain(`href="/help/uk/${uk.body.slug}"`);
    });
  });
  it('indexes each message as the SQL function did before it became PL/pgSQL (migration MessageVectorPlpgsql)', async () => {
    const samples: Array<[string | null, string | null, string | null]> = [
      [null, 'My parcel has not arrived and the tracking page says nothing', null],
      [null, 'Mon colis n’est pas arrivé et la page de suivi ne dit rien', 'Commande en retard'],
      [null, 'Il mio pacco non è arrivato', null],
      [null, 'Mi paquete no ha llegado todavía', 'Pedido'],
      [null, 'Моя посилка ще не прийшла', null],
      ['fr', 'Les remboursements arrivent lundi', 'Remboursement'],
      ['uk', 'Повернення коштів', null],
      [null, '', null],
      [null, null, 'only a subject'],
    ];
    const { rows } = await db.query(
      `SELECT inbox_message_vector(v.lang, v.body, v.subject)::text AS now,
              (SELECT setweight(to_tsvector(x.cfg, coalesce(v.subject, '')), 'A') || setweight(to_tsvector(x.cfg, left(v.body, 200000)), 'B')
               FROM (SELECT inbox_search_config(v.lang, coalesce(v.subject, '') || ' ' || left(v.body, 2000)) AS cfg) x)::text AS before
       FROM unnest($1::text[], $2::text[], $3::text[]) AS v(lang, body, subject)`,
      [samples.map((x) => x[0]), samples.map((x) => x[1]), samples.map((x) => x[2])],
    );
    expect(rows.map((r) => r.now)).toEqual(rows.map((r) => r.before));
    expect(rows[0].now).toMatch(/'parcel'/);
    // A stored message's vector is the function's.
    const ib = await inbox();
    await ingest(ib, 'Where is my parcel? It should have arrived yesterday');
    const stored = (
      await db.query(
        `SELECT m.search_vector::text = inbox_message_vector(c.language, m.text, m.metadata #>> '{email,subject}')::text AS same
         FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.inbox_id = $1 AND m.kind = 'message'`,
        [ib.id],
      )
    ).rows;
    expect(stored).toEqual([{ same: true }]);
  });

  it('keeps short pending lists on the GIN indexes every message writes to (migration GinPendingListLimit), and finds what was merged', async () => {
    const { rows } = await db.query(
      `SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_am a ON a.oid = c.relam
       WHERE a.amname = 'gin' AND c.relname = ANY($1::text[]) ORDER BY c.relname`,
      [['contacts_search_idx', 'conversations_labels_idx', 'conversations_search_idx', 'messages_search_idx']],
    );
    expect(rows).toEqual(
      ['contacts_search_idx', 'conversations_labels_idx', 'conversations_search_idx', 'messages_search_idx'].map((relname) => ({
        relname,
        reloptions: ['gin_pending_list_limit=256'],
      })),
    );
    // Over 256 kB of new entries (several merges of the list), then a search for the first and the last.
    const [first, last] = [`zq${uid()}`, `zq${uid()}`];
    const ib = await inbox();
    const { conversationId, messageId } = await ingest(ib, `the ${first} words of a long day`);
    await db.query(
      `INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, text)
       SELECT $1, $2, 'inbound', 'message', 'contact', CASE WHEN g = 2000 THEN $3 ELSE 'more' END || ' ' || (SELECT string_agg(md5(g::text || w::text), ' ') FROM generate_series(1, 30) w)
       FROM generate_series(1, 2000) g`,
      [conversationId, ib.id, last],
    );
    expect(await messageIds(admin, first)).toEqual([messageId]);
    const [lastId] = (await db.query(`SELECT id FROM messages WHERE conversation_id = $1 AND text LIKE $2`, [conversationId, `${last} %`])).rows.map((r) => r.id);
    expect(await messageIds(admin, last)).toEqual([lastId]);
  });
});
