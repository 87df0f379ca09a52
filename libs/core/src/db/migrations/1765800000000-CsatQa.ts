import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer feedback and quality review (issue 18): per-inbox survey settings, one survey and at
 * most one rating per conversation (unique indexes), QA scorecards with immutable versions (a
 * review names the version it was scored with) and reviews the agent acknowledges and answers once.
 */
export class CsatQa1765800000000 implements MigrationInterface {
  name = 'CsatQa1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE csat_settings (
        inbox_id uuid PRIMARY KEY REFERENCES inboxes(id) ON DELETE CASCADE,
        enabled boolean NOT NULL DEFAULT false,
        scale text NOT NULL DEFAULT 'stars' CHECK (scale IN ('stars', 'thumbs')),
        questions jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(questions) = 'object'),
        delay_seconds integer NOT NULL DEFAULT 0 CHECK (delay_seconds BETWEEN 0 AND 604800),
        frequency_days integer NOT NULL DEFAULT 0 CHECK (frequency_days BETWEEN 0 AND 365),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE csat_surveys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        channel text NOT NULL,
        locale text NOT NULL CHECK (locale IN ('en', 'fr', 'it', 'es', 'uk')),
        scale text NOT NULL CHECK (scale IN ('stars', 'thumbs')),
        question text NOT NULL,
        status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'sent', 'skipped')),
        message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        expires_at timestamptz,
        CHECK ((status = 'sent') = (sent_at IS NOT NULL AND expires_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX csat_surveys_conversation_uq ON csat_surveys (conversation_id);
      CREATE INDEX csat_surveys_contact_idx ON csat_surveys (contact_id, sent_at DESC);

      CREATE TABLE csat_responses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        survey_id uuid NOT NULL REFERENCES csat_surveys(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        agent_id uuid REFERENCES users(id) ON DELETE SET NULL,
        channel text NOT NULL,
        scale text NOT NULL CHECK (scale IN ('stars', 'thumbs')),
        rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment text CHECK (char_length(comment) <= 2000),
        first_rated_at timestamptz NOT NULL DEFAULT now(),
        rated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (rated_at >= first_rated_at),
        -- Thumbs are stored on the same 1-5 axis (down 1, up 5) so averages compare across inboxes.
        CHECK (scale = 'stars' OR rating IN (1, 5))
      );
      CREATE UNIQUE INDEX csat_responses_conversation_uq ON csat_responses (conversation_id);
      CREATE INDEX csat_responses_rated_idx ON csat_responses (rated_at);

      CREATE TABLE qa_scorecards (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        team_ids uuid[] NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        sample_size integer NOT NULL DEFAULT 2 CHECK (sample_size BETWEEN 0 AND 50),
        archived boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE qa_scorecard_versions (
        scorecard_id uuid NOT NULL REFERENCES qa_scorecards(id) ON DELETE CASCADE,
        version integer NOT NULL CHECK (version >= 1),
        name text NOT NULL,
        criteria jsonb NOT NULL CHECK (jsonb_typeof(criteria) = 'array' AND jsonb_array_length(criteria) > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scorecard_id, version)
      );

      CREATE TABLE qa_reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        reviewer_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        scorecard_id uuid NOT NULL,
        scorecard_version integer NOT NULL,
        scores jsonb NOT NULL CHECK (jsonb_typeof(scores) = 'array'),
        total_percent numeric(5, 2) NOT NULL CHECK (total_percent BETWEEN 0 AND 100),
        summary text CHECK (char_length(summary) <= 5000),
        acknowledged_at timestamptz,
        agent_reply text CHECK (char_length(agent_reply) <= 5000),
        agent_replied_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (scorecard_id, scorecard_version) REFERENCES qa_scorecard_versions(scorecard_id, version),
        CHECK ((agent_reply IS NULL) = (agent_replied_at IS NULL)),
        CHECK (agent_id <> reviewer_id)
      );
      CREATE UNIQUE INDEX qa_reviews_conversation_scorecard_uq ON qa_reviews (conversation_id, scorecard_id);
      CREATE INDEX qa_reviews_agent_idx ON qa_reviews (agent_id, created_at DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS qa_reviews, qa_scorecard_versions, qa_scorecards, csat_responses, csat_surveys, csat_settings`);
  }
}
