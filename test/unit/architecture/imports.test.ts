/**
 * The dependency rule of `src/` (docs/architecture.md §4): which folder may import which, no I/O
 * in the pure core, and no import cycle anywhere. Read with the compiler's pre-processor, so type
 * imports and `import()` count as much as value imports.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, specifiers } from '../../_helpers/import-graph.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const graph = importGraph(ROOT, 'src');

/** The folders of `src/` and what each may import besides itself (docs/architecture.md §4). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  contract: [],
  core: ['contract'],
  aws: ['contract', 'core'],
  report: ['contract', 'core'],
  emulator: ['contract'],
  tasks: ['contract', 'core', 'aws', 'report'],
  handlers: ['contract', 'core', 'aws', 'tasks'],
  runtime: ['contract', 'core', 'aws', 'emulator'],
  cli: ['contract', 'core', 'aws', 'report', 'emulator', 'tasks', 'runtime', 'handlers'],
  // The package's main export: the contract, for callers that build inputs and read outputs.
  'index.ts': ['contract'],
};

/** Packages that do I/O: the pure core (src/core, src/contract) imports none of them. */
const IO_MODULE =
  /^(node:)?(fs|fs\/promises|http|https|http2|net|tls|dgram|dns|child_process|cluster|worker_threads|readline)$|^@aws-sdk\/|^@smithy\//;

/**
 * Imports that break the rule today, each to be removed (the test fails once one is gone, so the
 * list only shrinks). Empty is the goal: the generic runtime still names the app's tasks here.
 */
const PENDING: readonly string[] = [
  'src/runtime/arns.ts -> src/tasks/names.ts',
  'src/runtime/definitions.ts -> src/tasks/names.ts',
  'src/runtime/env.ts -> src/tasks/deps.ts',
  'src/runtime/execution.ts -> src/tasks/index.ts',
];

/** `src/<area>/...` -> area (`index.ts` for src/index.ts); undefined outside src. */
function areaOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  return parts[1];
}

/** Every import of one folder from another that the rule does not allow. */
function ruleBreaks(): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    const from = areaOf(file) as string;
    const allowed = MAY_IMPORT[from];
    for (const to of imports) {
      const area = areaOf(to);
      if (area === undefined || area === from) continue;
      if (allowed === undefined || !allowed.includes(area)) found.push(`${file} -> ${to}`);
    }
  }
  return [...new Set(found)].sort();
}

describe('the dependency rule of src/', () => {
  it('knows every folder of src/', () => {
    const areas = new Set([...graph.keys()].map((f) => areaOf(f) as string));

    expect([...areas].filter((a) => !(a in MAY_IMPORT))).toEqual([]);
  });

  it('lets each folder import only the folders below it', () => {
    expect(ruleBreaks().filter((b) => !PENDING.includes(b))).toEqual([]);
  });

  it('keeps no pending exception that is already gone', () => {
    const breaks = new Set(ruleBreaks());

    expect(PENDING.filter((p) => !breaks.has(p))).toEqual([]);
  });

  it('keeps I/O out of the pure core (src/core, src/contract)', () => {
    const io = [...graph]
      .filter(([file]) => file.startsWith('src/core/') || file.startsWith('src/contract/'))
      .flatMap(([file, imports]) => imports.filter((i) => IO_MODULE.test(i)).map((i) => `${file} -> ${i}`));

    expect(io).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(importCycles(graph)).toEqual([]);
  });
});

describe('the import scanner the rule relies on', () => {
  it('sees every form of import, and none in comments or strings', () => {
    const text = [
      "/** @example import { x } from './in-a-comment.js' */",
      "import { a } from '../runtime/index.js';",
      "import type { B } from '../tasks/deps.js';",
      "export { c } from '../handlers/x.js';",
      "export * from './star.js';",
      "import '../runtime/polyfill.js';",
      "const m = await import('../tasks/index.js');",
      "type R = typeof import('../runtime/r.js');",
      'const s = "import { z } from \'./in-a-string.js\'";',
      'import {\n  d,\n} from "../runtime/run.js";',
    ].join('\n');

    expect(specifiers(text)).toEqual([
      '../runtime/index.js',
      '../tasks/deps.js',
      '../handlers/x.js',
      './star.js',
      '../runtime/polyfill.js',
      '../tasks/index.js',
      '../runtime/r.js',
      '../runtime/run.js',
    ]);
  });

  it('finds a cycle however long, and a file that imports itself', () => {
    const cycles = importCycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a', 'd']],
        ['d', []],
        ['e', ['e']],
        ['f', ['a']],
      ]),
    );

    expect(cycles).toEqual(expect.arrayContaining([['a', 'b', 'c'], ['e']]));
    expect(cycles).toHaveLength(2);
  });
});
