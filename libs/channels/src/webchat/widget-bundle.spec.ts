import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(__dirname, '../../../..');
const LIMIT_GZIP_BYTES = 40 * 1024;

/** Builds the widget exactly as the build script does (into a temporary folder) and checks what ships. */
describe('widget bundle', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'widget-build-'));
  let code: Buffer;

  beforeAll(() => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/widget/vite.config.mts'], {
      cwd: ROOT,
      env: { ...process.env, WIDGET_OUT_DIR: outDir },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`widget build failed: ${r.stderr || r.stdout}`);
    code = readFileSync(join(outDir, 'widget.js'));
  }, 60000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it(`stays under ${LIMIT_GZIP_BYTES / 1024} KB gzip`, () => {
    const gz = gzipSync(code, { level: 9 }).length;
    expect(gz).toBeGreaterThan(1000);
    expect(gz).toBeLessThan(LIMIT_GZIP_BYTES);
  });

  it('is one self-contained script (no imports, no dynamic chunks)', () => {
    const text = code.toString('utf8');
    expect(text).not.toMatch(/\bimport\s*\(|^import\s|^export\s/m);
    expect(text).toContain('attachShadow');
  });
});
