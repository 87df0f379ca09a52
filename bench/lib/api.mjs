/** Thin REST client for the bench's setup and load (real HTTP, as a user of the API would). */
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'bench-admin-password-1';
export const JWT_SECRET = 'bench-jwt-secret-0123456789-0123456789-abcdef';
export const ENCRYPTION_KEY = 'cd'.repeat(32);

export async function api(base, method, path, token, body) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

export async function expectOk(promise, what) {
  const res = await promise;
  if (res.status >= 300) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

export const serverEnv = (databaseUrl, extra = {}) => ({
  DATABASE_URL: databaseUrl,
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  JWT_SECRET,
  ENCRYPTION_KEY,
  ...extra,
});

export async function loginAdmin(base) {
  return (await expectOk(api(base, 'POST', '/auth/login', null, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }), 'admin login')).accessToken;
}

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n, concurrency, fn) {
  let next = 0;
  const out = new Array(n);
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/**
 * Creates `count` agents through the API (password hashing included) and logs each in.
 * Returns [{ id, token }]. `prefix` keeps emails unique per run.
 */
export async function createAgents(base, admin, { count, prefix, capacity, teamId, inboxId, skills, languages }) {
  return pool(count, 4, async (i) => {
    const email = `${prefix}-${i}@example.com`;
    const user = await expectOk(
      api(base, 'POST', '/users', admin, { email, name: `${prefix} ${i}`, password: 'bench-agent-password', role: 'agent', capacity, skills, languages }),
      'create agent',
    );
    if (teamId) await expectOk(api(base, 'POST', `/teams/${teamId}/members`, admin, { userId: user.id }), 'team member');
    if (inboxId) await expectOk(api(base, 'POST', `/inboxes/${inboxId}/members`, admin, { userId: user.id }), 'inbox member');
    const token = (await expectOk(api(base, 'POST', '/auth/login', null, { email, password: 'bench-agent-password' }), 'agent login')).accessToken;
    return { id: user.id, token };
  });
}
