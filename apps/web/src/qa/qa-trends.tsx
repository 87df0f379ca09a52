import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get, qs } from '../api/client';
import { useFormat } from '../i18n/format';
import { usePercent } from './review-parts';
import { ReviewView } from './review-view';
import type { QaReview, QaTrends as Trends } from './qa-types';

/** One agent's reviews as the coordinator sees them: whether the agent acknowledged each, and their reply. */
function AgentReviews({ agentId, name }: { agentId: string; name: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const reviews = useQuery({ queryKey: ['qa-reviews', agentId], queryFn: () => get<QaReview[]>(`/qa/reviews${qs({ agentId })}`) });
  if (reviews.isLoading) return <div className="muted">{t('common.loading')}</div>;
  if (reviews.error) return <div className="error">{t('common.error', { message: reviews.error.message })}</div>;
  return (
    <div className="qa-agent-reviews" data-testid="qa-agent-reviews" data-agent-id={agentId}>
      {(reviews.data ?? []).map((r) => (
        <ReviewView key={r.id} review={r}>
          <div className="qa-agent-side">
            {r.acknowledgedAt ? (
              <span className="ok small" data-testid="qa-acknowledged">
                ✓ {t('qa.mine.acknowledged', { date: fmt.dateTime(r.acknowledgedAt) })}
              </span>
            ) : (
              <span className="muted small" data-testid="qa-not-acknowledged">
                {t('qa.trends.notAcknowledged')}
              </span>
            )}
            {r.agentReply !== null && (
              <div className="qa-reply" data-testid="qa-reply">
                <div className="muted small">{t('qa.trends.agentReply', { name, date: r.agentRepliedAt ? fmt.dateTime(r.agentRepliedAt) : '' })}</div>
                <p>{r.agentReply}</p>
              </div>
            )}
          </div>
        </ReviewView>
      ))}
    </div>
  );
}

function Bar({ value }: { value: number }) {
  return (
    <span className="qa-bar" aria-hidden>
      <span style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
    </span>
  );
}

/** Averages of the last 90 days per agent (with the weekly trend) and per criterion. */
export function QaTrends() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const percent = usePercent();
  const trends = useQuery({ queryKey: ['qa-trends'], queryFn: () => get<Trends>('/qa/trends') });
  const [openAgent, setOpenAgent] = useState<string | null>(null);
  if (trends.isLoading) return <div className="muted">{t('common.loading')}</div>;
  if (trends.error) return <div className="error">{t('common.error', { message: trends.error.message })}</div>;
  const { perAgent, perCriterion } = trends.data!;
  if (!perAgent.length)
    return (
      <p className="muted" data-testid="qa-trends-empty">
        {t('qa.trends.empty')}
      </p>
    );
  return (
    <div className="qa-trends" data-testid="qa-trends">
      <p className="muted small">{t('qa.trends.period')}</p>
      <h2>{t('qa.trends.perAgent')}</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('qa.trends.agent')}</th>
            <th scope="col">{t('qa.trends.reviews')}</th>
            <th scope="col">{t('qa.trends.average')}</th>
            <th scope="col">{t('qa.trends.weeks')}</th>
          </tr>
        </thead>
        <tbody>
          {perAgent.map((a) => (
            <tr key={a.agentId} data-testid="qa-trend-agent" data-agent-id={a.agentId}>
              <td>
                <button
                  type="button"
                  className="link"
                  aria-expanded={openAgent === a.agentId}
                  data-testid="qa-trend-agent-reviews"
                  onClick={() => setOpenAgent(openAgent === a.agentId ? null : a.agentId)}
                >
                  {a.name}
                </button>
              </td>
              <td>{fmt.number(a.reviews)}</td>
              <td className="nowrap">
                <Bar value={a.averagePercent} /> <span data-testid="qa-trend-average">{percent(a.averagePercent)}</span>
              </td>
              <td>
                <ul className="qa-weeks">
                  {a.weeks.map((w) => (
                    <li key={w.week} title={t('qa.trends.weekReviews', { week: w.week, n: w.reviews })}>
                      <span className="muted small">{w.week}</span> {percent(w.averagePercent)}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {openAgent && (
        <>
          <h2>{t('qa.trends.reviewsOf', { name: perAgent.find((a) => a.agentId === openAgent)?.name ?? '' })}</h2>
          <AgentReviews agentId={openAgent} name={perAgent.find((a) => a.agentId === openAgent)?.name ?? ''} />
        </>
      )}
      <h2>{t('qa.trends.perCriterion')}</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('qa.trends.criterion')}</th>
            <th scope="col">{t('qa.trends.scores')}</th>
            <th scope="col">{t('qa.trends.average')}</th>
          </tr>
        </thead>
        <tbody>
          {perCriterion.map((c) => (
            <tr key={c.key} data-testid="qa-trend-criterion" data-key={c.key}>
              <td>{c.label}</td>
              <td>{fmt.number(c.scores)}</td>
              <td className="nowrap">
                <Bar value={c.averagePercent} /> {percent(c.averagePercent)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
