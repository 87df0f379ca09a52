import { Injectable } from '@nestjs/common';
import { Transactions } from '@inbox/core';

export interface SlaReportFilter {
  from: Date;
  to: Date;
  teamId: string | null;
  inboxId: string | null;
}

type Dimension = 'agent' | 'team' | 'channel' | 'policy';
const KEY: Record<Dimension, string> = { agent: 'assignee_id', team: 'team_id', channel: 'channel', policy: 'sla_policy_id' };
const NAME: Record<Dimension, string> = {
  agent: `(SELECT name FROM users WHERE id = g.key::uuid)`,
  team: `(SELECT name FROM teams WHERE id = g.key::uuid)`,
  channel: `g.key`,
  policy: `(SELECT name FROM sla_policies WHERE id = g.key::uuid)`,
};

interface SlaGroup {
  key: string | null;
  name: string | null;
  conversations: number;
  met: number;
  metRate: number | null;
  breachesByKind: Record<string, number>;
  medianSecondsToBreach: number | null;
}

const seconds = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));

/**
 * Service levels over conversations created in the period that had a policy: the share met
 * (no clock breached), breaches by kind (first response, next response, resolution) and the
 * median time from a clock's start to its breach, overall and per agent, team, channel and
 * policy. Breaches come from the fired-breach rows, so they are exactly what agents were told.
 */
@Injectable()
export class SlaReportRepository {
  constructor(private readonly tx: Transactions) {}

  async report(f: SlaReportFilter) {
    const params = [f.from, f.to, f.teamId, f.inboxId];
    const conv = `SELECT c.id, c.assignee_id::text, c.team_id::text, c.channel, c.sla_policy_id::text,
                         EXISTS (SELECT 1 FROM sla_events e WHERE e.conversation_id = c.id AND e.level = 'breached') AS breached
                  FROM conversations c
                  WHERE c.created_at >= $1 AND c.created_at < $2 AND ($3::uuid IS NULL OR c.team_id = $3) AND ($4::uuid IS NULL OR c.inbox_id = $4) AND c.sla IS NOT NULL`;
    const breaches = `SELECT e.kind, extract(epoch FROM e.due_at - e.started_at) AS to_breach, conv.* FROM sla_events e JOIN conv ON conv.id = e.conversation_id WHERE e.level = 'breached'`;
    const overall = await this.group(params, conv, breaches, `'all'`);
    const by = async (d: Dimension) => {
      const groups = await this.group(params, conv, breaches, KEY[d], NAME[d]);
      return groups.map(({ key, name, ...rest }) => ({ [`${d}Id`]: d === 'channel' ? undefined : key, ...(d === 'channel' ? { channel: key } : { name }), ...rest }));
    };
    return {
      ...(overall[0] ?? { conversations: 0, met: 0, metRate: null, breachesByKind: {}, medianSecondsToBreach: null }),
      byAgent: await by('agent'),
      byTeam: await by('team'),
      byChannel: await by('channel'),
      byPolicy: await by('policy'),
    };
  }

  private async group(params: unknown[], conv: string, breaches: string, key: string, name = 'NULL'): Promise<SlaGroup[]> {
    const rows = await this.tx.manager.query<
      Array<{ key: string | null; name: string | null; conversations: number; met: number; median: number | null; by_kind: Record<string, number> }>
    >(
      `WITH conv AS (${conv}), ev AS (${breaches}),
       g AS (SELECT ${key} AS key, count(*)::int AS conversations, count(*) FILTER (WHERE NOT breached)::int AS met FROM conv GROUP BY 1),
       k AS (SELECT ${key} AS key, kind, count(*)::int AS n FROM ev GROUP BY 1, 2),
       m AS (SELECT ${key} AS key, percentile_cont(0.5) WITHIN GROUP (ORDER BY to_breach) AS median FROM ev GROUP BY 1)
       SELECT g.key, ${name} AS name, g.conversations, g.met, m.median,
              coalesce((SELECT json_object_agg(k.kind, k.n) FROM k WHERE k.key IS NOT DISTINCT FROM g.key), '{}') AS by_kind
       FROM g LEFT JOIN m ON m.key IS NOT DISTINCT FROM g.key ORDER BY g.conversations DESC, g.key`,
      params,
    );
    return rows.map((r) => ({
      key: r.key,
      name: r.name,
      conversations: r.conversations,
      met: r.met,
      metRate: r.conversations ? r.met / r.conversations : null,
      breachesByKind: r.by_kind,
      medianSecondsToBreach: seconds(r.median),
    }));
  }
}
