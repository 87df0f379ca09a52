import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The end of the query-side function, the same in each version of it: phrases keep their order
 * (any of the five configurations), email addresses match whole.
 */
export const SEARCH_TSQUERY_PHRASES_AND_EMAILS = `        FOREACH w IN ARRAY coalesce(phrases, '{}') LOOP
          part := NULL;
          seen := '{}';
          FOREACH cfg IN ARRAY cfgs LOOP
            one := phraseto_tsquery(cfg, w);
            CONTINUE WHEN numnode(one) = 0 OR one::text = ANY(seen);
            seen := seen || one::text;
            part := CASE WHEN part IS NULL THEN one ELSE part || one END;
          END LOOP;
          IF part IS NOT NULL THEN result := CASE WHEN result IS NULL THEN part ELSE result && part END; END IF;
        END LOOP;
        FOREACH w IN ARRAY coalesce(emails, '{}') LOOP
          one := plainto_tsquery('inbox_simple', w);
          IF numnode(one) > 0 THEN result := CASE WHEN result IS NULL THEN one ELSE result && one END; END IF;
        END LOOP;
        RETURN result;
      END $fn$;`;

/**
 * The query side as this migration made it (SearchPrefixes1766260000000 replaced it; its down()
 * puts this one back).
 */
export const SEARCH_TSQUERY_V1 = `
      -- The query side: every word must match (any order), as a prefix, in any of the five
      -- configurations (the searcher's language is not the message's); a word that is a stop
      -- word in one of them is dropped, else "the refund" would find no English message.
      -- Phrases keep their order; email addresses match whole.
      CREATE OR REPLACE FUNCTION inbox_search_tsquery(words text[], phrases text[], emails text[]) RETURNS tsquery
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
      DECLARE
        cfgs regconfig[] := ARRAY['inbox_en', 'inbox_fr', 'inbox_it', 'inbox_es', 'inbox_uk']::regconfig[];
        result tsquery;
        part tsquery;
        one tsquery;
        w text;
        cfg regconfig;
        stop boolean;
        seen text[];
      BEGIN
        FOREACH w IN ARRAY coalesce(words, '{}') LOOP
          part := NULL;
          stop := false;
          seen := '{}';
          FOREACH cfg IN ARRAY cfgs LOOP
            one := to_tsquery(cfg, quote_literal(w) || ':*');
            IF numnode(one) = 0 THEN stop := true; EXIT; END IF;
            CONTINUE WHEN one::text = ANY(seen);
            seen := seen || one::text;
            part := CASE WHEN part IS NULL THEN one ELSE part || one END;
          END LOOP;
          IF NOT stop THEN result := CASE WHEN result IS NULL THEN part ELSE result && part END; END IF;
        END LOOP;
${SEARCH_TSQUERY_PHRASES_AND_EMAILS}`;

/**
 * Full-text search on PostgreSQL itself, and the knowledge base.
 *
 * Text search configurations: inbox_en/fr/it/es are the built-in Snowball stemmers with
 * `unaccent` in front (so "rembourse" finds "remboursé"); inbox_uk is `simple` with unaccent:
 * PostgreSQL ships no Ukrainian stemmer, so Ukrainian gets case folding plus prefix matching
 * at query time (`повер` finds "повернення"), which is what an agent typing needs.
 *
 * Messages get their vector from a BEFORE trigger rather than a generated column because the
 * language lives on the conversation (from the message or the contact at ingest): the trigger
 * reads it by primary key from the row ingest just upserted. Activity lines are not indexed.
 */
export class Search1765519000000 implements MigrationInterface {
  name = 'Search1765519000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    for (const [lang, base, stem] of [
      ['en', 'english', 'english_stem'],
      ['fr', 'french', 'french_stem'],
      ['it', 'italian', 'italian_stem'],
      ['es', 'spanish', 'spanish_stem'],
      ['uk', 'simple', 'simple'],
      ['simple', 'simple', 'simple'],
    ]) {
      await q.query(`DROP TEXT SEARCH CONFIGURATION IF EXISTS inbox_${lang}`);
      await q.query(`CREATE TEXT SEARCH CONFIGURATION inbox_${lang} (COPY = ${base})`);
      await q.query(`ALTER TEXT SEARCH CONFIGURATION inbox_${lang} ALTER MAPPING FOR hword, hword_part, word WITH unaccent, ${stem}`);
    }
    await q.query(`
      -- The configuration for a language code, or a guess from the text: Cyrillic is Ukrainian;
      -- otherwise the language whose stop words the text uses most (stop words are exactly what a
      -- language configuration drops), English when nothing tells.
      CREATE FUNCTION inbox_search_config(lang text, body text) RETURNS regconfig
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
      DECLARE
        l text := lower(left(coalesce(lang, ''), 2));
        n int;
        best regconfig := 'inbox_en';
        best_drop int := 0;
        cfg regconfig;
        d int;
      BEGIN
        IF l IN ('en', 'fr', 'it', 'es', 'uk') THEN RETURN ('inbox_' || l)::regconfig; END IF;
        IF body IS NULL OR body = '' THEN RETURN 'inbox_en'; END IF;
        IF body ~ '[А-Яа-яЄєІіЇїҐґ]' THEN RETURN 'inbox_uk'; END IF;
        n := length(to_tsvector('simple', left(body, 2000)));
        FOREACH cfg IN ARRAY ARRAY['inbox_en', 'inbox_fr', 'inbox_it', 'inbox_es']::regconfig[] LOOP
          d := n - length(to_tsvector(cfg, left(body, 2000)));
          IF d > best_drop THEN best := cfg; best_drop := d; END IF;
        END LOOP;
        RETURN best;
      END $fn$;

      CREATE FUNCTION inbox_locale_config(locale text) RETURNS regconfig
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT CASE lower(left(coalesce(locale, ''), 2)) WHEN 'fr' THEN 'inbox_fr' WHEN 'it' THEN 'inbox_it' WHEN 'es' THEN 'inbox_es' WHEN 'uk' THEN 'inbox_uk' ELSE 'inbox_en' END::regconfig
      $fn$;

      -- Email subjects weigh more than bodies; the body is the trimmed reply (quotes are not in
      -- messages.text) and plain text (HTML-only input was converted at ingest).
      CREATE FUNCTION inbox_message_vector(lang text, body text, subject text) RETURNS tsvector
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT setweight(to_tsvector(s.cfg, coalesce(subject, '')), 'A') || setweight(to_tsvector(s.cfg, left(body, 200000)), 'B')
        FROM (SELECT inbox_search_config(lang, coalesce(subject, '') || ' ' || left(body, 2000)) AS cfg) s
      $fn$;

      ${SEARCH_TSQUERY_V1}

      -- array_to_string is only STABLE (element output functions); for text[] it cannot change.
      CREATE FUNCTION inbox_article_vector(locale text, title text, tags text[], category text, body text) RETURNS tsvector
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT setweight(to_tsvector(inbox_locale_config(locale), title), 'A')
          || setweight(to_tsvector(inbox_locale_config(locale), array_to_string(tags, ' ') || ' ' || coalesce(category, '')), 'B')
          || setweight(to_tsvector(inbox_locale_config(locale), body), 'C')
      $fn$;

      ALTER TABLE messages ADD COLUMN search_vector tsvector;

      CREATE FUNCTION messages_search_vector() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE lang text;
      BEGIN
        IF NEW.kind = 'activity' THEN
          NEW.search_vector := NULL;
          RETURN NEW;
        END IF;
        SELECT c.language INTO lang FROM conversations c WHERE c.id = NEW.conversation_id;
        NEW.search_vector := inbox_message_vector(lang, NEW.text, NEW.metadata #>> '{email,subject}');
        RETURN NEW;
      END $fn$;

      CREATE TRIGGER messages_search_vector BEFORE INSERT OR UPDATE OF text, kind ON messages
        FOR EACH ROW EXECUTE FUNCTION messages_search_vector();
    `);
    // Existing rows: one pass, then the index built once (faster than maintaining it row by row).
    await q.query(`
      UPDATE messages m SET search_vector = inbox_message_vector(c.language, m.text, m.metadata #>> '{email,subject}')
      FROM conversations c WHERE c.id = m.conversation_id AND m.kind <> 'activity'
    `);
    await q.query(`
      CREATE INDEX messages_search_idx ON messages USING gin (search_vector);
      -- "The newest matches first" walks this instead of sorting every match of a common word.
      CREATE INDEX messages_created_idx ON messages (created_at DESC, id DESC);

      ALTER TABLE conversations ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector(inbox_search_config(language, subject), coalesce(subject, ''))) STORED;
      CREATE INDEX conversations_search_idx ON conversations USING gin (search_vector);

      -- Names and addresses: no stemming; the address is indexed whole and in parts so both
      -- "ana@example.com" and "ana" find it.
      ALTER TABLE contacts ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('inbox_simple',
          coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(regexp_replace(email, '[@._+-]', ' ', 'g'), '') || ' ' || coalesce(phone, '') || ' ' || coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), ''))) STORED;
      CREATE INDEX contacts_search_idx ON contacts USING gin (search_vector);
      CREATE INDEX contacts_phone_digits_idx ON contacts ((regexp_replace(phone, '[^0-9]', '', 'g'))) WHERE phone IS NOT NULL;

      CREATE TABLE kb_articles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Translations of one article share a group id; one article per locale in a group.
        translation_group_id uuid NOT NULL DEFAULT gen_random_uuid(),
        locale text NOT NULL CONSTRAINT kb_articles_locale_check CHECK (locale IN ('en','fr','it','es','uk')),
        slug text NOT NULL CONSTRAINT kb_articles_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),
        title text NOT NULL CONSTRAINT kb_articles_title_check CHECK (length(title) BETWEEN 1 AND 300),
        body text NOT NULL DEFAULT '',
        category text,
        tags text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'draft' CONSTRAINT kb_articles_status_check CHECK (status IN ('draft','published')),
        published_at timestamptz,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        search_vector tsvector GENERATED ALWAYS AS (inbox_article_vector(locale, title, tags, category, body)) STORED,
        CONSTRAINT kb_articles_published_check CHECK ((status = 'published') = (published_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX kb_articles_locale_slug_key ON kb_articles (locale, slug);
      CREATE UNIQUE INDEX kb_articles_translation_key ON kb_articles (translation_group_id, locale);
      CREATE INDEX kb_articles_search_idx ON kb_articles USING gin (search_vector);
      CREATE INDEX kb_articles_list_idx ON kb_articles (locale, status, updated_at DESC, id DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE kb_articles;
      DROP INDEX contacts_phone_digits_idx;
      ALTER TABLE contacts DROP COLUMN search_vector;
      ALTER TABLE conversations DROP COLUMN search_vector;
      DROP INDEX messages_created_idx;
      DROP TRIGGER messages_search_vector ON messages;
      DROP FUNCTION messages_search_vector();
      ALTER TABLE messages DROP COLUMN search_vector;
      DROP FUNCTION inbox_message_vector(text, text, text);
      DROP FUNCTION inbox_article_vector(text, text, text[], text, text);
      DROP FUNCTION inbox_search_tsquery(text[], text[], text[]);
      DROP FUNCTION inbox_locale_config(text);
      DROP FUNCTION inbox_search_config(text, text);
    `);
    for (const lang of ['en', 'fr', 'it', 'es', 'uk', 'simple']) await q.query(`DROP TEXT SEARCH CONFIGURATION inbox_${lang}`);
  }
}
