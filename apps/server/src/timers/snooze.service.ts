import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ConversationHooks, ConversationRepository, ConversationService, JobQueue, Transactions } from '@inbox/core';
import { TimersRepository } from './timers.repository';

export const SNOOZE_WAKE_QUEUE = 'snooze-wake';

/**
 * Snoozed conversations wake up: snoozing enqueues a durable job for `snoozedUntil` in the same
 * transaction (it survives restarts and runs once, on any replica); the job reopens the
 * conversation, which goes back to its assignee or into the queue, with an activity line. A
 * customer's message during the snooze reopens it at once (ingest), and the job then finds
 * nothing to do; so does the job of a snooze that was changed or cancelled.
 */
@Injectable()
export class SnoozeService implements OnApplicationBootstrap {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: TimersRepository,
    private readonly hooks: ConversationHooks,
    private readonly jobs: JobQueue,
    private readonly conversations: ConversationRepository,
    private readonly conversationService: ConversationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.hooks.register(
      'snooze',
      30,
      async ({ tx }, e) => {
        if (e.type !== 'conversation.updated' || !e.changed.includes('status')) return;
        const until = await this.repo.snoozedUntil(tx.em, e.conversationId);
        if (until) await this.jobs.sendInTx(tx.em, SNOOZE_WAKE_QUEUE, { conversationId: e.conversationId, until: until.toISOString() }, { startAfter: until });
      },
      ['conversation.updated'],
      // Only a change to snoozed schedules a wake-up (the status is unknown: read it).
      (_tx, e) => e.type === 'conversation.updated' && e.changed.includes('status') && (e.status === undefined || e.status === 'snoozed'),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.define({ name: SNOOZE_WAKE_QUEUE, retryLimit: 5, retryDelay: 1, retryBackoff: true, expireInSeconds: 60, notifyOnCommit: false });
    if (this.config.runWorkers)
      await this.jobs.work<{ conversationId: string }>(SNOOZE_WAKE_QUEUE, (job) => this.wake(job.data.conversationId).then(() => undefined), { concurrency: 2 });
  }

  /** Returns whether it woke the conversation (false: not snoozed any more, or snoozed until later). */
  async wake(conversationId: string): Promise<boolean> {
    return this.tx.run(async (tx) => {
      const conv = await this.repo.lockSnoozed(tx.em, conversationId);
      // pg-boss may start a job a little early; a snooze moved later has its own job.
      if (!conv || conv.status !== 'snoozed' || !conv.snoozedUntil || conv.snoozedUntil.getTime() > Date.now() + 1000) return false;
      await this.repo.wake(tx.em, conversationId);
      await this.conversationService.addActivity(tx, conversationId, conv.inboxId, null, 'Snooze ended; the conversation is open again', {
        activity: { code: 'snooze_ended', params: {} },
      });
      await this.hooks.run(tx, { type: 'conversation.updated', conversationId, changed: ['status'], previousStatus: 'snoozed' }, 'system');
      const summary = await this.conversations.summary(tx.em, conversationId);
      if (summary) tx.emit({ type: 'conversation.updated', conversationId, payload: summary });
      return true;
    });
  }

  async sweep(): Promise<void> {
    for (const id of await this.repo.overdueSnoozes(this.tx.manager, 5)) await this.wake(id);
  }
}
