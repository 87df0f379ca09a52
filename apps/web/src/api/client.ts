import i18n from '../i18n/i18n';

/** A thin fetch wrapper: JSON in and out, the API's error body turned into an ApiError. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'inbox.token';
let token: string | null = typeof localStorage !== 'undefined' ? localStorage.getItem(TOKEN_KEY) : null;
const unauthorizedListeners = new Set<() => void>();

export const auth = {
  get token() {
    return token;
  },
  set(next: string | null) {
    token = next;
    if (next) localStorage.setItem(TOKEN_KEY, next);
    else localStorage.removeItem(TOKEN_KEY);
  },
  /**
   * Set while this page renews its own token (password change, signing out other sessions): the
   * server closes every socket of the user, this page's included, and the reconnect must use the
   * fresh token rather than be refused with the old one.
   */
  renewing: null as Promise<unknown> | null,
  /** The server ended this session (expired, revoked, password changed elsewhere): back to the login page. */
  sessionEnded() {
    unauthorizedListeners.forEach((fn) => fn());
  },
  onUnauthorized(fn: () => void) {
    unauthorizedListeners.add(fn);
    return () => void unauthorizedListeners.delete(fn);
  },
};

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    // "Failed to fetch" says nothing to a person: say what happened, in their language.
    throw new ApiError(0, 'NETWORK', i18n.t('honest.network'));
  }
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    // A login attempt with a wrong password is a 401 too, but it must not sign anyone out.
    if (res.status === 401 && path !== '/auth/login') unauthorizedListeners.forEach((fn) => fn());
    throw new ApiError(res.status, parsed?.code ?? 'HTTP_' + res.status, parsed?.message ?? res.statusText, parsed?.details);
  }
  return parsed as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

export function qs(params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '') as Array<[string, string | number]>;
  return entries.length ? '?' + entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&') : '';
}
