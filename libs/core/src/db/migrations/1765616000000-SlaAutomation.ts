import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service levels, escalation and automation (issue 16): SLA policies and each conversation's
 * clocks, one row per fired warning/breach (unique: a timer fires once across replicas and
 * retries), departments and the reply timeout on teams, escalation in the assignment log,
 * automation rules and their runs (unique per rule and event: a rule runs once per event).
 */
export class SlaAutomation1765616000000 implements MigrationInterface {
  name = 'SlaAutomation1765616000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sla_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT sla_policies_name_check CHECK (length(name) BETWEEN 1 AND 120),
        first_response_seconds integer NOT NULL CONSTRAINT sla_policies_first_check CHECK (first_response_seconds > 0),
        next_response_seconds integer CONSTRAINT sla_policies_next_check CHECK (next_response_seconds IS NULL OR next_response_seconds > 0),
        resolution_seconds integer CONSTRAINT sla_policies_resolution_check CHECK (resolution_seconds IS NULL OR resolution_seconds > 0),
        business_hours boolean NOT NULL DEFAULT false,
        warn_at_percent smallint NOT NULL DEFAULT 80 CONSTRAINT sla_policies_warn_check CHECK (warn_at_percent BETWEEN 1 AND 99),
        applies_to jsonb NOT NULL DEFAULT '{}' CONSTRAINT sla_policies_applies_check CHECK (jsonb_typeof(applies_to) = 'object'),
        position integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX sla_policies_name_key ON sla_policies (lower(name));

      ALTER TABLE conversations
        ADD COLUMN sla_policy_id uuid REFERENCES sla_policies(id) ON DELETE SET NULL,
        ADD COLUMN sla jsonb,
        ADD COLUMN sla_state text CONSTRAINT conversations_sla_state_check CHECK (sla_state IN ('ok','warning','breached','met')),
        ADD COLUMN sla_due_at timestamptz,
        ADD COLUMN sla_next_check_at timestamptz,
        ADD CONSTRAINT conversations_sla_policy_check CHECK ((sla IS NULL) = (sla_state IS NULL));
      CREATE INDEX conversations_sla_check_idx ON conversations (sla_next_check_at) WHERE sla_next_check_at IS NOT NULL;
      CREATE INDEX conversations_sla_due_idx ON conversations (sla_due_at) WHERE sla_due_at IS NOT NULL;
      CREATE INDEX conversations_snoozed_idx ON conversations (snoozed_until) WHERE status = 'snoozed';

      CREATE TABLE sla_events (
        id bigserial PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        policy_id uuid REFERENCES sla_policies(id) ON DELETE SET NULL,
        kind text NOT NULL CONSTRAINT sla_events_kind_check CHECK (kind IN ('first_response','next_response','resolution')),
        level text NOT NULL CONSTRAINT sla_events_level_check CHECK (level IN ('warning','breached')),
        due_at timestamptz NOT NULL,
        fired_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz NOT NULL,
        assignee_id uuid REFERENCES users(id) ON DELETE SET NULL,
        team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        channel text NOT NULL
      );
      CREATE UNIQUE INDEX sla_events_once ON sla_events (conversation_id, kind, level, due_at);
      CREATE INDEX sla_events_fired_idx ON sla_events (fired_at);

      ALTER TABLE teams
        ADD COLUMN is_department boolean NOT NULL DEFAULT false,
        ADD COLUMN reassign_if_no_reply_seconds integer CONSTRAINT teams_reply_timeout_check CHECK (reassign_if_no_reply_seconds IS NULL OR reassign_if_no_reply_seconds >= 1);

      ALTER TABLE assignment_log DROP CONSTRAINT assignment_log_action_check;
      ALTER TABLE assignment_log ADD CONSTRAINT assignment_log_action_check
        CHECK (action IN ('assign','offer','accept','decline','expire','unassign','requeue','transfer','overflow','release','escalate'));

      CREATE TABLE automation_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT automation_rules_name_check CHECK (length(name) BETWEEN 1 AND 120),
        enabled boolean NOT NULL DEFAULT true,
        event text NOT NULL CONSTRAINT automation_rules_event_check CHECK (event IN ('conversation.created','message.created','conversation.updated','sla.breached','conversation.resolved')),
        conditions jsonb NOT NULL DEFAULT '[]' CONSTRAINT automation_rules_conditions_check CHECK (jsonb_typeof(conditions) = 'array'),
        actions jsonb NOT NULL CONSTRAINT automation_rules_actions_check CHECK (jsonb_typeof(actions) = 'array' AND jsonb_array_length(actions) > 0),
        position integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX automation_rules_event_idx ON automation_rules (event, position) WHERE enabled;

      CREATE TABLE automation_runs (
        rule_id uuid NOT NULL REFERENCES automation_rules(id) ON DELETE CASCADE,
        event_key text NOT NULL,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        outcome text NOT NULL DEFAULT 'applied' CONSTRAINT automation_runs_outcome_check CHECK (outcome IN ('applied','failed','skipped')),
        error text,
        ran_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (rule_id, event_key)
      );
      CREATE INDEX automation_runs_conversation_idx ON automation_runs (conversation_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE automation_runs;
      DROP TABLE automation_rules;
      DELETE FROM assignment_log WHERE action = 'escalate';
      ALTER TABLE assignment_log DROP CONSTRAINT assignment_log_action_check;
      ALTER TABLE assignment_log ADD CONSTRAINT assignment_log_action_check
        CHECK (action IN ('assign','offer','accept','decline','expire','unassign','requeue','transfer','overflow','release'));
      ALTER TABLE teams DROP COLUMN reassign_if_no_reply_seconds, DROP COLUMN is_department;
      DROP TABLE sla_events;
      DROP INDEX conversations_snoozed_idx;
      ALTER TABLE conversations DROP CONSTRAINT conversations_sla_policy_check, DROP COLUMN sla_next_check_at, DROP COLUMN sla_due_at, DROP COLUMN sla_state, DROP COLUMN sla, DROP COLUMN sla_policy_id;
      DROP TABLE sla_policies;
    `);
  }
}
