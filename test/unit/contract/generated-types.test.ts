import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('Generated contract types', () => {
  it('are up to date with schemas/ (run npm run gen:types after editing a schema)', () => {
    // Act: exits non-zero and names the stale file when a schema changed without regeneration.
    const run = () =>
      execFileSync(process.execPath, ['scripts/gen-contract-types.mjs', '--check'], {
        cwd: root,
        stdio: 'pipe',
      });

    // Assert
    expect(run).not.toThrow();
  });
});
