// Generates src/contract/generated/*.ts from schemas/*.schema.json so the TypeScript types can never
// drift from the published schemas. `--check` exits 1 when a committed file is stale (used by tests).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const targets = [
  ['orchestration-input', 'OrchestrationInput'],
  ['orchestration-output', 'OrchestrationOutput'],
  ['staging-accounts', 'StagingAccountsConfig'],
  ['runbook', 'Runbook'],
  ['approval-decision', 'ApprovalDecision'],
];

/** Renders the TypeScript source for one schema. */
export async function render(file) {
  const schema = JSON.parse(await readFile(`${root}schemas/${file}.schema.json`, 'utf8'));
  const ts = await compile(schema, schema.title, {
    bannerComment: `/* Generated from schemas/${file}.schema.json by \`npm run gen:types\`. Do not edit. */`,
    additionalProperties: false,
    style: { singleQuote: true, printWidth: 110 },
    unreachableDefinitions: false,
    strictIndexSignatures: false,
    // The runbook's step lists (maxItems 20) would otherwise become unions of 20 tuple types.
    ignoreMinAndMaxItems: file === 'runbook',
  });
  return ts;
}

const check = process.argv.includes('--check');
let stale = 0;
for (const [file] of targets) {
  const out = `${root}src/contract/generated/${file}.ts`;
  const ts = await render(file);
  if (check) {
    const current = await readFile(out, 'utf8').catch(() => '');
    if (current !== ts) {
      console.error(`stale: ${out} (run npm run gen:types)`);
      stale++;
    }
  } else {
    await writeFile(out, ts);
  }
}
process.exit(stale ? 1 : 0);
