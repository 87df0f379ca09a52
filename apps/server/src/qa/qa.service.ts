import { Injectable, Logger } from '@nestjs/common';
import { DomainError, Principal, Transactions, can, notFound } from '@inbox/core';
import { QaRepository, QaReview, Scorecard } from './qa.repository';
import { Criterion, CriterionScore, criteriaErrors, isoWeekOf, parseIsoWeek, scoreErrors, totalPercent } from './qa-score.util';

const invalid = (field: string, errors: string[]) => new DomainError('VALIDATION_FAILED', errors.join('; '), { fields: { [field]: errors } });

/** Quality review: versioned scorecards, the weekly queue, reviews, the agent's side and trends. */
@Injectable()
export class QaService {
  private readonly logger = new Logger(QaService.name);

  constructor(
    private readonly repo: QaRepository,
    private readonly tx: Transactions,
  ) {}

  async createScorecard(s: { name: string; teamIds?: string[]; sampleSize?: number; criteria: Criterion[] }) {
    const errors = criteriaErrors(s.criteria);
    if (errors.length) throw invalid('criteria', errors);
    const id = await this.tx.run(({ em }) => this.repo.createScorecard(em, { name: s.name, teamIds: s.teamIds ?? [], sampleSize: s.sampleSize ?? 2, criteria: s.criteria }));
    return this.scorecard(id);
  }

  /** Name or criteria changes make a new version (past reviews keep theirs); team, sample size and archiving do not. */
  async updateScorecard(id: string, patch: { name?: string; teamIds?: string[]; sampleSize?: number; criteria?: Criterion[]; archived?: boolean }) {
    if (patch.criteria) {
      const errors = criteriaErrors(patch.criteria);
      if (errors.length) throw invalid('criteria', errors);
    }
    await this.tx.run(async ({ em }) => {
      const current = await this.repo.lockScorecard(em, id);
      if (!current) throw new DomainError('NOT_FOUND', 'scorecard not found', { id });
      const changed =
        (patch.name !== undefined && patch.name !== current.name) || (patch.criteria !== undefined && JSON.stringify(patch.criteria) !== JSON.stringify(current.criteria));
      const next: Scorecard = {
        ...current,
        name: patch.name ?? current.name,
        teamIds: patch.teamIds ?? current.teamIds,
        sampleSize: patch.sampleSize ?? current.sampleSize,
        archived: patch.archived ?? current.archived,
        criteria: patch.criteria ?? current.criteria,
        version: changed ? current.version + 1 : current.version,
      };
      await this.repo.updateScorecard(em, next, changed);
    });
    return this.scorecard(id);
  }

  async scorecard(id: string) {
    const s = await this.repo.scorecard(id);
    if (!s) throw new DomainError('NOT_FOUND', 'scorecard not found', { id });
    return { ...s, versions: await this.repo.versions(id) };
  }

  scorecards() {
    return this.repo.scorecards();
  }

  private async activeScorecard(id: string | undefined): Promise<Scorecard> {
    const s = id ? await this.repo.scorecard(id) : (await this.repo.scorecards()).find((x) => !x.archived);
    if (!s) throw new DomainError('NOT_FOUND', id ? 'scorecard not found' : 'no scorecard yet: create one first', { id: id ?? null });
    return s;
  }

  async queue(week: string | undefined, scorecardId: string | undefined, now: Date) {
    const w = week ?? isoWeekOf(now);
    const range = parseIsoWeek(w);
    if (!range) throw invalid('week', ['an ISO week such as 2025-W14']);
    const s = await this.activeScorecard(scorecardId);
    const items = await this.repo.queue(w, range.start, range.end, s.sampleSize, s.teamIds, s.id);
    return { week: w, from: range.start.toISOString(), to: range.end.toISOString(), scorecardId: s.id, sampleSize: s.sampleSize, items };
  }

  async addToQueue(p: Principal, conversationId: string, week: string | undefined, now: Date) {
    const w = week ?? isoWeekOf(now);
    if (!parseIsoWeek(w)) throw invalid('week', ['an ISO week such as 2025-W14']);
    if (!(await this.repo.conversationAgent(conversationId)).exists) throw notFound('conversation', conversationId);
    await this.repo.addToQueue(w, conversationId, p.type === 'user' ? p.id : '');
    return { week: w, conversationId };
  }

  async submitReview(p: Principal, r: { conversationId: string; scorecardId: string; scores: CriterionScore[]; summary?: string | null }) {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'reviews are written by people');
    const s = await this.activeScorecard(r.scorecardId);
    if (s.archived) throw new DomainError('INVALID_STATE', 'this scorecard is archived');
    const conv = await this.repo.conversationAgent(r.conversationId);
    if (!conv.exists) throw notFound('conversation', r.conversationId);
    if (!conv.agentId) throw new DomainError('INVALID_STATE', 'the conversation has no agent to review');
    if (conv.agentId === p.id) throw new DomainError('FORBIDDEN', 'nobody reviews their own conversation');
    const errors = scoreErrors(s.criteria, r.scores);
    if (errors.length) throw invalid('scores', errors);
    const scores = r.scores.map((x) => ({ key: x.key, score: x.score, comment: x.comment?.trim() || null, messageId: x.messageId ?? null }));
    const id = await this.repo.insertReview({
      conversationId: r.conversationId,
      agentId: conv.agentId,
      reviewerId: p.id,
      scorecardId: s.id,
      version: s.version,
      scores,
      totalPercent: totalPercent(s.criteria, scores),
      summary: r.summary?.trim() || null,
    });
    if (!id) throw new DomainError('CONFLICT', 'this conversation is already reviewed with this scorecard');
    this.logger.log({ reviewId: id, conversationId: r.conversationId }, 'QA review recorded');
    return (await this.repo.review(id))!;
  }

  /** Staff read every review; anyone else only the reviews of their own conversations. */
  async review(p: Principal, id: string): Promise<QaReview> {
    const r = await this.repo.review(id);
    if (!r) throw new DomainError('NOT_FOUND', 'review not found', { id });
    if (!can(p, 'qa.review') && !(p.type === 'user' && p.id === r.agentId)) throw new DomainError('FORBIDDEN', 'this review is about someone else');
    return r;
  }

  reviews(f: { agentId?: string; from?: string; to?: string }) {
    return this.repo.reviews({ agentId: f.agentId ?? null, from: f.from ? new Date(f.from) : null, to: f.to ? new Date(f.to) : null });
  }

  mine(p: Principal) {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'reviews are about people');
    return this.repo.reviews({ agentId: p.id, from: null, to: null });
  }

  private async ownOrThrow(p: Principal, id: string): Promise<QaReview> {
    const r = await this.repo.review(id);
    if (!r) throw new DomainError('NOT_FOUND', 'review not found', { id });
    if (!(p.type === 'user' && p.id === r.agentId)) throw new DomainError('FORBIDDEN', 'only the reviewed agent acknowledges or answers a review');
    return r;
  }

  async acknowledge(p: Principal, id: string) {
    await this.ownOrThrow(p, id);
    await this.repo.acknowledge(id);
    return (await this.repo.review(id))!;
  }

  async reply(p: Principal, id: string, text: string) {
    await this.ownOrThrow(p, id);
    if (!(await this.repo.reply(id, text.trim()))) throw new DomainError('CONFLICT', 'this review already has your reply');
    return (await this.repo.review(id))!;
  }

  trends(from: string | undefined, to: string | undefined, now: Date) {
    const end = to ? new Date(to) : now;
    const start = from ? new Date(from) : new Date(end.getTime() - 90 * 86400_000);
    if (!(start < end)) throw invalid('from', ['must be before to']);
    return this.repo.trends(start, end);
  }
}
