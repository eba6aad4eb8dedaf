import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The lowest Node major a `>=X[.Y.Z]` range allows (the only form our dependencies use). */
function minimumMajor(range: string | undefined): number {
  const lower = /^\s*>=\s*v?(\d+)/.exec(range ?? '');
  return lower?.[1] === undefined ? 0 : Number(lower[1]);
}

describe('package engines', () => {
  it('asks for at least the Node every runtime dependency asks for', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      engines: { node: string };
      dependencies: Record<string, string>;
    };
    const ours = minimumMajor(pkg.engines.node);
    const needs: Record<string, number> = {};
    for (const name of Object.keys(pkg.dependencies)) {
      const manifest = JSON.parse(
        readFileSync(new URL(`../../../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
      ) as { engines?: { node?: string } };
      needs[name] = minimumMajor(manifest.engines?.node);
    }
    const higher = Object.entries(needs).filter(([, major]) => major > ours);
    expect(higher).toEqual([]);
    // aws-local-stepfunctions (the local Step Functions runtime) is the one that sets the floor.
    expect(needs['aws-local-stepfunctions']).toBe(22);
  });
});
