import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from './locales/en';
import { RESOURCES, LANGUAGES } from './i18n';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]).sort();
const reference = flatten(en as unknown as Tree);

describe('translations', () => {
  it('cover exactly the five languages of the picker', () => {
    expect(Object.keys(RESOURCES).sort()).toEqual(['en', 'es', 'fr', 'it', 'uk']);
    expect(LANGUAGES.map((l) => l.code).sort()).toEqual(['en', 'es', 'fr', 'it', 'uk']);
  });

  describe.each(Object.keys(RESOURCES))('%s', (lng) => {
    const dict = flatten(RESOURCES[lng] as unknown as Tree);
    it('has every key of English and no extra key', () => {
      expect([...reference.keys()].filter((k) => !dict.has(k))).toEqual([]);
      expect([...dict.keys()].filter((k) => !reference.has(k))).toEqual([]);
    });
    it('has no empty text', () => {
      expect([...dict].filter(([, v]) => !v.trim()).map(([k]) => k)).toEqual([]);
    });
    it('keeps the same {{placeholders}} as English', () => {
      const wrong = [...reference].filter(([k, v]) => dict.has(k) && placeholders(dict.get(k)!).join() !== placeholders(v).join()).map(([k]) => k);
      expect(wrong).toEqual([]);
    });
  });

  it('every literal key used in the source exists', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.tsx?$/.test(name) && !/\.test\./.test(name) && !p.includes('locales')) files.push(p);
      }
    };
    walk(join(__dirname, '..'));
    const used = new Set<string>();
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((k) => !reference.has(k))).toEqual([]);
  });
});
