import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * Builds the web app into a folder of its own (a parallel `npm run build` empties dist/) and
 * points the server at it through WEB_DIST_DIR; returns the folder.
 */
export function buildWebApp(): string {
  const webDir = mkdtempSync(join(tmpdir(), 'inbox-web-'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/web/vite.config.mts', '--logLevel', 'error'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', WEB_OUT_DIR: webDir },
    stdio: 'pipe',
  });
  process.env.WEB_DIST_DIR = webDir;
  return webDir;
}
