// Regenerates model.json: the subset of the official EC2 service model (Apache-2.0, botocore
// data) that the emulator serves, without documentation strings. The emulator reads it at run
// time: launch template data is decoded from the query and rendered as XML by its shapes.
// Usage: node src/emulator/services/ec2/extract-model.mjs <ec2/service-2.json> [<Operation> ...]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { subsetModel } from '../../../../scripts/extract-aws-models.mjs';

const source = process.argv[2];
if (!source) throw new Error('usage: extract-model.mjs <service-2.json> [<Operation> ...]');
const model = JSON.parse(readFileSync(source, 'utf8'));
// The operations kept: those of the current subset plus any named. What the emulator serves is
// its operations table (ec2.ts); a test checks this subset against it, so there is no list here.
const target = new URL('./model.json', import.meta.url);
const current = existsSync(target) ? Object.keys(JSON.parse(readFileSync(target, 'utf8')).operations) : [];
const out = subsetModel(model, [...new Set([...current, ...process.argv.slice(3)])]);
writeFileSync(target, `${JSON.stringify(out)}\n`);
