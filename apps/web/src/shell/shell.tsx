import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, useLocation } from 'react-router';
import { isStaff, useMe, useSession } from '../session/session';
import { useLive } from '../live/live';
import { LanguagePicker } from './language-picker';
import { OfferBanner } from '../inbox/offer-banner';
import { SearchPalette } from '../search/search-palette';
import { Notifications } from '../notifications/notifications';
import { NewReviewsBadge } from '../qa/new-reviews-badge';
import './responsive.css';

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  const { logout } = useSession();
  const live = useLive();
  // Phones: navigation, search, language and account fold into a menu; it closes on navigation.
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const [lastPath, setLastPath] = useState(location.pathname);
  if (lastPath !== location.pathname) {
    setLastPath(location.pathname);
    setMenuOpen(false);
  }
  const menu = `collapsible ${menuOpen ? 'open' : ''}`;

  const setPresence = (presence: 'online' | 'away') => void live.command('presence.set', { presence }).catch(() => undefined);

  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden /> {t('app.name')}
        </div>
        <div className={menu}>
          <nav>
            <NavLink to="/inbox">{t('nav.inbox')}</NavLink>
            {isStaff(me) && <NavLink to="/console">{t('nav.console')}</NavLink>}
            {isStaff(me) && <NavLink to="/reports">{t('reports.nav')}</NavLink>}
            {isStaff(me) ? (
              <NavLink to="/qa" data-testid="nav-qa">
                {t('qa.nav')}
                <NewReviewsBadge />
              </NavLink>
            ) : (
              <NavLink to="/qa/mine" data-testid="nav-qa-mine">
                {t('qa.mineNav')}
                <NewReviewsBadge />
              </NavLink>
            )}
            {isStaff(me) && <NavLink to="/kb">{t('kb.nav')}</NavLink>}
            {me.role === 'admin' && <NavLink to="/admin">{t('nav.admin')}</NavLink>}
          </nav>
          <SearchPalette />
        </div>
        <div className="spacer" />
        <span className={`conn ${live.connected ? 'on' : 'off'}`} data-testid="connection">
          {live.connected ? t('nav.connected') : t('nav.reconnecting')}
        </span>
        {/* While the socket is down the server cannot see us: a grey dot, not the last known presence. */}
        <label className={`presence presence-${live.connected ? live.presence : 'connecting'}`}>
          <span className="dot" aria-hidden />
          <select
            aria-label={t('presence.label')}
            data-testid="presence"
            disabled={!live.connected}
            value={live.presence === 'away' ? 'away' : 'online'}
            onChange={(e) => setPresence(e.target.value as 'online' | 'away')}
          >
            <option value="online">{t('presence.online')}</option>
            <option value="away">{t('presence.away')}</option>
          </select>
        </label>
        <Notifications />
        <button className="ghost menu-toggle" aria-expanded={menuOpen} aria-label={t('layout.menu')} data-testid="menu-toggle" onClick={() => setMenuOpen((o) => !o)}>
          ☰
        </button>
        <div className={menu}>
          <LanguagePicker />
          <NavLink className="me" title={me.email} to="/account" data-testid="account-link">
            {me.name}
          </NavLink>
          <button className="ghost" onClick={logout}>
            {t('nav.logout')}
          </button>
        </div>
      </header>
      <OfferBanner />
      <main className="main">{children}</main>
    </div>
  );
}
