/**
 * The schema's floor: the rows an ingested message writes (a new thread: contact, identity,
 * conversation; every message: the message with its search trigger and indexes, the conversation's
 * last-message time, the two outbox events), written by ONE SQL statement sent raw with `pg`: no
 * server, no Node work beyond the driver, no precheck, no summaries, minimal event payloads. The
 * ingest and batch figures measure it beside the raw single-row INSERT: whatever the server does,
 * it cannot ingest faster than the database writes these rows, so a target above the floor's ratio
 * is out of reach on this schema and machine.
 */

/** $1 inbox, $2 thread key (identity address), $3 text, $4 external id. */
export const FLOOR_NEW = `WITH contact AS (
    INSERT INTO contacts (name) VALUES ($2::text) RETURNING id
  ), ident AS (
    INSERT INTO contact_identities (contact_id, channel, address) SELECT id, 'api', $2::text FROM contact RETURNING id, contact_id
  ), conv AS (
    INSERT INTO conversations (inbox_id, channel, contact_id, contact_identity_id, thread_key, status, priority, waiting_since, last_message_at)
    SELECT $1::uuid, 'api', contact_id, id, $2::text, 'open', 0, now(), now() FROM ident RETURNING id
  ), msg AS (
    INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, external_id, created_at)
    SELECT conv.id, $1::uuid, 'inbound', 'message', 'contact', ident.contact_id, $3::text, $4::text, now() FROM conv, ident
    RETURNING id, conversation_id
  )
  INSERT INTO outbox_events (type, conversation_id, payload)
  SELECT t.type, msg.conversation_id, jsonb_build_object('id', msg.id) FROM msg CROSS JOIN (VALUES ('conversation.created'), ('message.created')) t(type)`;

/** $1 inbox, $2 thread key of an open conversation, $3 text, $4 external id. */
export const FLOOR_EXISTING = `WITH conv AS (
    UPDATE conversations SET last_message_at = now(), updated_at = now()
    WHERE inbox_id = $1::uuid AND thread_key = $2::text AND status <> 'resolved' RETURNING id, contact_id
  ), msg AS (
    INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, external_id, created_at)
    SELECT conv.id, $1::uuid, 'inbound', 'message', 'contact', conv.contact_id, $3::text, $4::text, now() FROM conv
    ON CONFLICT (inbox_id, external_id) DO NOTHING
    RETURNING id, conversation_id
  )
  INSERT INTO outbox_events (type, conversation_id, payload)
  SELECT t.type, msg.conversation_id, jsonb_build_object('id', msg.id) FROM msg CROSS JOIN (VALUES ('conversation.updated'), ('message.created')) t(type)`;

/** FLOOR_NEW for many messages, each its own thread: $1 inbox, $2 thread keys, $3 texts, $4 external ids. */
export const FLOOR_NEW_MANY = `WITH input AS MATERIALIZED (
    SELECT gen_random_uuid() AS contact_id, gen_random_uuid() AS identity_id, gen_random_uuid() AS conversation_id, t.*
    FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(thread_key, text, external_id, n)
  ), contact AS (
    INSERT INTO contacts (id, name) SELECT contact_id, thread_key FROM input
  ), ident AS (
    INSERT INTO contact_identities (id, contact_id, channel, address) SELECT identity_id, contact_id, 'api', thread_key FROM input
  ), conv AS (
    INSERT INTO conversations (id, inbox_id, channel, contact_id, contact_identity_id, thread_key, status, priority, waiting_since, last_message_at)
    SELECT conversation_id, $1::uuid, 'api', contact_id, identity_id, thread_key, 'open', 0, now(), now() FROM input
  ), msg AS (
    INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, external_id, created_at)
    SELECT conversation_id, $1::uuid, 'inbound', 'message', 'contact', contact_id, text, external_id, now() FROM input ORDER BY n
    RETURNING id, conversation_id
  )
  INSERT INTO outbox_events (type, conversation_id, payload)
  SELECT t.type, msg.conversation_id, jsonb_build_object('id', msg.id) FROM msg CROSS JOIN (VALUES ('conversation.created'), ('message.created')) t(type)`;

/**
 * FLOOR_EXISTING for many messages into open threads: each thread's conversation locked once, in id
 * order (as the server's batch does, so concurrent batches cannot deadlock), then updated once.
 */
export const FLOOR_EXISTING_MANY = `WITH input AS MATERIALIZED (
    SELECT * FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(thread_key, text, external_id, n)
  ), locked AS MATERIALIZED (
    SELECT id, contact_id, thread_key FROM conversations
    WHERE inbox_id = $1::uuid AND thread_key = ANY (SELECT DISTINCT thread_key FROM input) AND status <> 'resolved'
    ORDER BY id FOR UPDATE
  ), conv AS (
    UPDATE conversations c SET last_message_at = now(), updated_at = now() FROM locked WHERE c.id = locked.id
  ), msg AS (
    INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, external_id, created_at)
    SELECT locked.id, $1::uuid, 'inbound', 'message', 'contact', locked.contact_id, input.text, input.external_id, now()
    FROM input JOIN locked USING (thread_key) ORDER BY input.n
    ON CONFLICT (inbox_id, external_id) DO NOTHING
    RETURNING id, conversation_id
  )
  INSERT INTO outbox_events (type, conversation_id, payload)
  SELECT t.type, msg.conversation_id, jsonb_build_object('id', msg.id) FROM msg CROSS JOIN (VALUES ('conversation.updated'), ('message.created')) t(type)`;
