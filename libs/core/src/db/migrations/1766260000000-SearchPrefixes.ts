import { MigrationInterface, QueryRunner } from 'typeorm';
import { SEARCH_TSQUERY_PHRASES_AND_EMAILS, SEARCH_TSQUERY_V1 } from './1765519000000-Search';

/**
 * A searched word becomes one prefix per language whose stemmer gives it a different stem
 * ("late" is 'late':* in English and 'lat':* in French, Italian and Spanish). A prefix that
 * starts with another of the same word's prefixes finds nothing the shorter one does not
 * ('lat':* matches every lexeme 'late':* matches), but each prefix costs the GIN index a scan
 * of its own: for a partial match PostgreSQL reads every matching posting list into a bitmap.
 * The word keeps only the prefixes no other of its prefixes covers, so every query finds exactly
 * the messages it found before, with fewer index scans (`npm run bench -- --only=search`, two
 * words: README "Performance", twelfth wave). Ranks move a little: a message no longer scores
 * twice for one word. Phrases and email addresses are unchanged (they have no prefixes).
 */
export class SearchPrefixes1766260000000 implements MigrationInterface {
  name = 'SearchPrefixes1766260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
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
        terms tsquery[];
        -- Per term: its lexeme as tsquery prints it, when the term is a single prefix ('late':*), else NULL.
        lexemes text[];
        i int;
      BEGIN
        FOREACH w IN ARRAY coalesce(words, '{}') LOOP
          stop := false;
          seen := '{}';
          terms := '{}';
          lexemes := '{}';
          FOREACH cfg IN ARRAY cfgs LOOP
            one := to_tsquery(cfg, quote_literal(w) || ':*');
            IF numnode(one) = 0 THEN stop := true; EXIT; END IF;
            CONTINUE WHEN one::text = ANY(seen);
            seen := seen || one::text;
            terms := terms || one;
            -- Quotes and backslashes print doubled: a code in which no character's form starts
            -- another's, so one printed lexeme starts another exactly when the lexemes do.
            lexemes := lexemes || CASE WHEN numnode(one) = 1 AND one::text LIKE '''%'':*' THEN substr(one::text, 2, length(one::text) - 4) END;
          END LOOP;
          CONTINUE WHEN stop;
          part := NULL;
          FOR i IN 1 .. coalesce(array_length(terms, 1), 0) LOOP
            CONTINUE WHEN lexemes[i] IS NOT NULL AND EXISTS (
              SELECT 1 FROM unnest(lexemes) l WHERE l IS NOT NULL AND l <> lexemes[i] AND starts_with(lexemes[i], l));
            part := CASE WHEN part IS NULL THEN terms[i] ELSE part || terms[i] END;
          END LOOP;
          result := CASE WHEN result IS NULL THEN part ELSE result && part END;
        END LOOP;
${SEARCH_TSQUERY_PHRASES_AND_EMAILS}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(SEARCH_TSQUERY_V1);
  }
}
