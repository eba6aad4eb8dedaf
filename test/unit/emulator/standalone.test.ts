import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const EMULATOR = join(ROOT, 'src/emulator');
/** What the fake AWS must never depend on: the product it is there to test. */
const PRODUCT = ['src/runtime', 'src/tasks', 'src/handlers'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier of a file: static imports and exports, `import()` and `typeof import()`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.push(m[1] as string);
  return found;
}

/** `file`'s imports that reach into the product. */
function productImports(file: string): string[] {
  return specifiers(readFileSync(file, 'utf8')).filter((spec) => {
    if (!spec.startsWith('.')) return false;
    const target = relative(ROOT, resolve(dirname(file), spec));
    return PRODUCT.some((p) => target === p || target.startsWith(`${p}/`));
  });
}

describe('the emulator stands alone', () => {
  it('imports nothing from src/runtime, src/tasks or src/handlers', () => {
    const offenders = sourceFiles(EMULATOR).flatMap((file) =>
      productImports(file).map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );

    expect(offenders).toEqual([]);
  });

  it('sees every form of import the check relies on', () => {
    const text = [
      "import { a } from '../runtime/index.js';",
      "import type { B } from '../tasks/deps.js';",
      "export { c } from '../handlers/x.js';",
      "import '../runtime/polyfill.js';",
      "const m = await import('../tasks/index.js');",
      "type R = typeof import('../runtime/index.js');",
      'import {\n  d,\n  e,\n} from "../runtime/run.js";',
    ].join('\n');

    expect(specifiers(text)).toEqual(
      expect.arrayContaining([
        '../runtime/index.js',
        '../tasks/deps.js',
        '../handlers/x.js',
        '../runtime/polyfill.js',
        '../tasks/index.js',
        '../runtime/run.js',
      ]),
    );
    expect(specifiers(text).filter((s) => s === '../runtime/index.js')).toHaveLength(2);
  });
});
