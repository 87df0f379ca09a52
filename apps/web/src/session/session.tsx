import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, auth, get } from '../api/client';
import type { DirectoryUser, Team, User } from '../api/types';
import i18n from '../i18n/i18n';

interface Session {
  user: User | null;
  loading: boolean;
  login(email: string, password: string): Promise<void>;
  logout(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(Boolean(auth.token));
  const queryClient = useQueryClient();

  const logout = useCallback(() => {
    auth.set(null);
    setUser(null);
    queryClient.clear();
  }, [queryClient]);

  useEffect(() => auth.onUnauthorized(logout), [logout]);

  useEffect(() => {
    if (!auth.token) return;
    get<{ type: string; user?: User }>('/auth/me')
      .then((me) => (me.user ? setUser(me.user) : logout()))
      .catch(() => logout())
      .finally(() => setLoading(false));
  }, [logout]);

  const login = useCallback(async (email: string, password: string) => {
    const res = await api<{ accessToken: string; user: User }>('POST', '/auth/login', { email, password });
    auth.set(res.accessToken);
    // The account's language applies unless this browser already picked one.
    if (res.user.locale && !localStorage.getItem('i18nextLng')) await i18n.changeLanguage(res.user.locale);
    setUser(res.user);
  }, []);

  const value = useMemo(() => ({ user, loading, login, logout }), [user, loading, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

export function useMe(): User {
  const { user } = useSession();
  if (!user) throw new Error('not signed in');
  return user;
}

export const isStaff = (u: Pick<User, 'role'>) => u.role === 'admin' || u.role === 'coordinator';

export function useTeams() {
  return useQuery({ queryKey: ['teams'], queryFn: () => get<Team[]>('/teams'), staleTime: 60_000 });
}

export function useMyTeamIds(): string[] {
  const me = useMe();
  const { data } = useTeams();
  return useMemo(() => (data ?? []).filter((t) => t.memberIds.includes(me.id)).map((t) => t.id), [data, me.id]);
}

export function useDirectory() {
  const q = useQuery({ queryKey: ['directory'], queryFn: () => get<DirectoryUser[]>('/directory/users'), staleTime: 60_000 });
  const byId = useMemo(() => new Map((q.data ?? []).map((u) => [u.id, u])), [q.data]);
  return { users: q.data ?? [], byId };
}
