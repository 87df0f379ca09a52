import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** The session advisory lock whose holder runs the routing passes (any fixed 64-bit key; the migrations' is 727274001). */
export const ROUTING_LEADER_LOCK = 727274002;
/** The channel followers wake the leader on (payload: the wake-ups, see `Wake`). */
export const ROUTING_CHANNEL = 'inbox_routing';
/** How often a follower tries to take the lock: a dead leader's passes resume within this (PostgreSQL frees its lock when its session ends). */
export const LEADER_RETRY_MS = 1000;

/** Why a pass is wanted: a new conversation, room that may have opened (presence, a resolve, an unassign), or the periodic pass. */
export type Wake = 'new' | 'room' | 'tick';
const WAKES: ReadonlySet<string> = new Set<Wake>(['new', 'room', 'tick']);

/**
 * Which replica runs the routing passes: the one holding a PostgreSQL session advisory lock on a
 * connection of its own, which also LISTENs for the other replicas' wake-ups. Any replica may run
 * a pass safely (row locks decide), but with every replica running one for each event they
 * hear, N replicas read the whole queue and every agent N times, decide the same assignments N
 * times and all but one find them locked: the second replica of the storm figure spent its
 * passes for nothing (README, Performance, twenty-sixth and twenty-seventh waves). Followers send
 * their wake-ups instead (a NOTIFY on this same connection: no pool connection, one round trip per
 * burst, as the events of a turn of the event loop fold into one).
 *
 * While the state is unknown (the connection not yet up, or lost), a replica routes on its own as
 * before: nothing waits for an election. A dead leader's session ends and frees the lock, and a
 * follower takes it within LEADER_RETRY_MS and runs a full pass. A follower also keeps its periodic
 * pass (every 5 s), so that routing never stops where the lock cannot be trusted (a
 * transaction-mode PgBouncer: `ROUTING_LEADER=false` turns the election off there).
 */
export class RoutingLeadership {
  private readonly logger = new Logger(RoutingLeadership.name);
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private role: 'leader' | 'follower' | 'unknown' = 'unknown';
  /** Wake-ups waiting for this turn's NOTIFY (followers). */
  private readonly pending = new Set<Wake>();
  private sending: NodeJS.Immediate | null = null;
  private sent: Promise<void> = Promise.resolve();
  /** An election failure is logged once until one succeeds (a database outage retries every second). */
  private warned = false;

  constructor(
    private readonly url: string | undefined,
    /** The leader's side: another replica asked for a pass. */
    private readonly onWake: (wake: Wake) => void,
    /** This replica took the lead (after a start or a leader's death): route what waits. */
    private readonly onLead: () => void,
  ) {}

  /** Leader or follower, once known; `unknown` routes locally. */
  get state(): 'leader' | 'follower' | 'unknown' {
    return this.role;
  }

  start(): void {
    if (!this.url) return;
    this.timer = setInterval(() => {
      if (this.role !== 'leader') this.elect();
    }, LEADER_RETRY_MS);
    this.timer.unref();
    this.elect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.sending) clearImmediate(this.sending);
    await this.connecting?.catch(() => undefined);
    await this.sent.catch(() => undefined);
    const c = this.client;
    this.client = null;
    this.role = 'unknown';
    // Ending the session frees the lock at once: another replica leads within LEADER_RETRY_MS.
    await c?.end().catch(() => undefined);
  }

  /** A follower's wake-up for the leader, folded with the others of this turn of the event loop. */
  forward(wake: Wake): void {
    this.pending.add(wake);
    if (this.sending || this.stopped) return;
    this.sending = setImmediate(() => {
      this.sending = null;
      const payload = [...this.pending].join(',');
      this.pending.clear();
      const c = this.client;
      if (!c) return;
      this.sent = c.query<Record<string, never>>(`SELECT pg_notify($1, $2)`, [ROUTING_CHANNEL, payload]).then(
        () => undefined,
        (err: Error) => this.logger.warn({ err: err.message }, 'could not wake the routing leader'),
      );
    });
  }

  /** Resolves once this replica's wake-ups have been sent (tests and benchmarks). */
  async flushed(): Promise<void> {
    while (this.sending) await new Promise((r) => setImmediate(r));
    await this.sent;
  }

  private elect(): void {
    if (this.connecting || this.stopped) return;
    this.connecting = this.tryLead()
      .then(() => {
        this.warned = false;
      })
      .catch((err: Error) => {
        if (!this.stopped && !this.warned) this.logger.warn({ err: err.message }, 'routing leader election failed: routing on this replica meanwhile');
        this.warned = true;
        this.drop();
      })
      .finally(() => (this.connecting = null));
  }

  private async tryLead(): Promise<void> {
    const c = this.client ?? (await this.connect());
    const [row] = (await c.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1) AS locked`, [ROUTING_LEADER_LOCK])).rows;
    if (this.stopped || this.client !== c) return;
    if (!row.locked) {
      this.role = 'follower';
      return;
    }
    await c.query(`LISTEN ${ROUTING_CHANNEL}`);
    this.role = 'leader';
    this.logger.log('leading the routing passes');
    this.onLead();
  }

  private async connect(): Promise<Client> {
    const c = new Client({ connectionString: this.url, application_name: 'omnichannel-inbox-routing', connectionTimeoutMillis: 5000, keepAlive: true });
    c.on('notification', (n) => {
      if (this.role !== 'leader' || n.channel !== ROUTING_CHANNEL) return;
      for (const w of (n.payload ?? '').split(',')) if (WAKES.has(w)) this.onWake(w as Wake);
    });
    const lost = () => {
      if (this.client !== c) return;
      if (!this.stopped) this.logger.warn('lost the routing leader connection: routing on this replica until the next election');
      this.drop();
    };
    c.on('error', lost);
    c.on('end', lost);
    await c.connect();
    this.client = c;
    return c;
  }

  /** Back to routing locally; the next retry connects again. */
  private drop(): void {
    const c = this.client;
    this.client = null;
    this.role = 'unknown';
    void c?.end().catch(() => undefined);
  }
}
