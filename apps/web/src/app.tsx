import { lazy, Suspense } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes, useMatch } from 'react-router';
import { SessionProvider, isStaff, useSession } from './session/session';
import { LiveProvider } from './live/live';
import { LoginPage } from './shell/login-page';
import { ResetPasswordPage } from './shell/password-reset';
import { Shell } from './shell/shell';
import { InboxPage } from './inbox/inbox-page';
import { useTranslation } from 'react-i18next';

// Coordinators' and admins' screens load on demand: agents never download them.
const ConsolePage = lazy(() => import('./console/console-page'));
const AdminPage = lazy(() => import('./admin/admin-page'));
const KnowledgeBasePage = lazy(() => import('./kb/kb-page'));
// The reports screen carries uPlot: it comes with its own chunk.
const ReportsPage = lazy(() => import('./reports/reports-page'));
const AccountPage = lazy(() => import('./account/account-page'));
// Quality review: staff get the queue, trends and scorecards; everyone their own reviews.
const QaPage = lazy(() => import('./qa/qa-page'));

export function createQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 10_000 } } });
}

function Routed() {
  const { user, loading } = useSession();
  // The mailed reset link works signed in or out: it is about an account, not this browser's session.
  const reset = useMatch('/reset-password/:token');
  const { t } = useTranslation();
  if (loading) return <div className="splash">{t('common.loading')}</div>;
  if (reset?.params.token) return <ResetPasswordPage token={reset.params.token} />;
  if (!user) return <LoginPage />;
  return (
    <LiveProvider>
      <Shell>
        <Suspense fallback={<div className="splash">{t('common.loading')}</div>}>
          <Routes>
            <Route path="/" element={<Navigate to="/inbox" replace />} />
            <Route path="/inbox" element={<InboxPage />} />
            <Route path="/inbox/:conversationId" element={<InboxPage />} />
            <Route path="/account" element={<AccountPage />} />
            {isStaff(user) && <Route path="/console" element={<ConsolePage />} />}
            {isStaff(user) && <Route path="/reports" element={<ReportsPage />} />}
            {isStaff(user) && <Route path="/qa/*" element={<QaPage />} />}
            <Route path="/qa/mine" element={<QaPage />} />
            {isStaff(user) && <Route path="/kb" element={<KnowledgeBasePage />} />}
            {isStaff(user) && <Route path="/kb/:articleId" element={<KnowledgeBasePage />} />}
            {user.role === 'admin' && <Route path="/admin/*" element={<AdminPage />} />}
            <Route path="*" element={<Navigate to="/inbox" replace />} />
          </Routes>
        </Suspense>
      </Shell>
    </LiveProvider>
  );
}

export function App({ queryClient = createQueryClient() }: { queryClient?: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <SessionProvider>
          <Routed />
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
