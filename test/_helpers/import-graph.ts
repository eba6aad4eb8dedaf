/**
 * The import graph of the TypeScript sources under a folder, read with the compiler's own
 * pre-processor (`ts.preProcessFile`): static imports and exports, `import type`, `import()` and
 * `typeof import()`, never text in comments or strings. Used by the architecture tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Every `.ts` file under `dir`, recursively. */
export function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier of a TypeScript source text. */
export function specifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), or the bare specifier. */
function target(from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const path = resolve(dirname(from), spec);
  const ts = path.replace(/\.js$/, '.ts');
  if (ts !== path && existsSync(ts)) return ts;
  return existsSync(join(path, 'index.ts')) ? join(path, 'index.ts') : path;
}

/** Files (relative to `root`) and what each imports: other files (relative to `root`) or packages. */
export function importGraph(root: string, dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of typeScriptFiles(join(root, dir))) {
    const imports = specifiers(readFileSync(file, 'utf8')).map((spec) => {
      const to = target(file, spec);
      return spec.startsWith('.') ? relative(root, to) : to;
    });
    graph.set(relative(root, file), imports);
  }
  return graph;
}

/**
 * The import cycles of a graph: each strongly connected component of more than one file (or a
 * file importing itself), its files sorted. Tarjan's algorithm, iterative.
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const edges = (v: string) => (graph.get(v) ?? []).filter((w) => graph.has(w));
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { v: string; i: number }[] = [{ v: start, i: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { v: string; i: number };
      const out = edges(frame.v);
      if (frame.i < out.length) {
        const w = out[frame.i++] as string;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.v, Math.min(low.get(frame.v) as number, index.get(w) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(frame.v) as number));
      if (low.get(frame.v) !== index.get(frame.v)) continue;
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== frame.v);
      if (component.length > 1 || edges(frame.v).includes(frame.v)) cycles.push(component.sort());
    }
  }
  return cycles;
}
