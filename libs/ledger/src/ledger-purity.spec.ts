import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// The domain must stay pure (STYLE.md §1): a rule a test enforces, not a hope.
const root = __dirname;

function productionSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : productionSources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const sources = productionSources(root).map((path) => ({
  file: relative(root, path),
  text: readFileSync(path, 'utf8'),
}));

describe('the ledger domain is pure', () => {
  it('finds its sources', () => {
    expect(sources.map((s) => s.file)).toEqual(
      expect.arrayContaining(['index.ts', join('account', 'evolve.ts')]),
    );
  });

  it('imports nothing but other ledger files: no framework, store, clock or package', () => {
    const imports = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/\bfrom\s+'([^']+)'/g)].map((match) => `${file}: ${match[1]}`),
    );
    expect(imports.length).toBeGreaterThan(50);
    expect(imports.filter((line) => !line.split(': ')[1].startsWith('.'))).toEqual([]);
  });

  it('reads no clock, randomness, environment or console', () => {
    const forbidden = /Date\.now|new Date\(\)|Math\.random|randomUUID|process\.|console\./g;
    const uses = sources.flatMap(({ file, text }) =>
      (text.match(forbidden) ?? []).map((use) => `${file}: ${use}`),
    );
    expect(uses).toEqual([]);
  });
});
