import { useTranslation } from 'react-i18next';
import { NavLink, useLocation } from 'react-router';
import { isStaff, useMe } from '../session/session';
import { MyReviews } from './my-reviews';
import { QaQueue } from './qa-queue';
import { QaScorecards } from './qa-scorecards';
import { QaTrends } from './qa-trends';
import './qa.css';

type Tab = 'queue' | 'trends' | 'scorecards' | 'mine';

/**
 * Quality review. Coordinators and admins: the weekly review queue, trends, scorecards and their own
 * reviews (/qa, /qa/trends, /qa/scorecards, /qa/mine). Everyone else reaches only /qa/mine: the app
 * does not route them to the rest, and the server answers 403 there anyway.
 */
export default function QaPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { pathname } = useLocation();
  const staff = isStaff(me);
  const tab: Tab = !staff
    ? 'mine'
    : pathname.startsWith('/qa/mine')
      ? 'mine'
      : pathname.startsWith('/qa/trends')
        ? 'trends'
        : pathname.startsWith('/qa/scorecards')
          ? 'scorecards'
          : 'queue';
  return (
    <div className="qa-page" data-testid="qa-page" data-tab={tab}>
      {staff && <h1>{t('qa.title')}</h1>}
      {staff && (
        <nav className="qa-tabs" aria-label={t('qa.title')}>
          <NavLink to="/qa" end data-testid="qa-tab-queue">
            {t('qa.tabs.queue')}
          </NavLink>
          <NavLink to="/qa/trends" data-testid="qa-tab-trends">
            {t('qa.tabs.trends')}
          </NavLink>
          <NavLink to="/qa/scorecards" data-testid="qa-tab-scorecards">
            {t('qa.tabs.scorecards')}
          </NavLink>
          <NavLink to="/qa/mine" data-testid="qa-tab-mine">
            {t('qa.tabs.mine')}
          </NavLink>
        </nav>
      )}
      {tab === 'queue' && <QaQueue />}
      {tab === 'trends' && <QaTrends />}
      {tab === 'scorecards' && <QaScorecards />}
      {tab === 'mine' && <MyReviews asPage={!staff} />}
    </div>
  );
}
