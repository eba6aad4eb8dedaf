/**
 * Fuzz: generated input documents through the CLI's own entry function (`main`, in-process).
 * Each document is built together with its verdict by a generator that knows the design-3.1
 * rules independently of the validator: valid documents must reach the run unchanged (exit 0),
 * every mutated one must be refused with exit 64 before anything opens. No document may end in
 * an internal error (exit 70).
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { fakeDeps, fakeIo } from './fakes.js';

/** Deterministic PRNG (mulberry32), so a failure names a reproducible document. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = ['failover', 'failback', 'drill', 'terminate', 'status'] as const;
type Action = (typeof ACTIONS)[number];

/** Which actions each option means something for (design 3.1 plus this project's rules). */
const APPLIES: Record<string, readonly Action[]> = {
  isDrill: ['failover'],
  maxWaitMinutes: ['failover', 'drill', 'failback', 'terminate'],
  pointInTimeSnapshot: ['failover', 'drill'],
  continueOnFailure: ['failover', 'drill', 'failback', 'terminate'],
  parallelism: ['failover', 'drill', 'failback'],
  nextPhaseThreshold: ['failover', 'drill', 'failback', 'terminate'],
  terminateNonDrill: ['terminate'],
  olderThanMinutes: ['terminate'],
  notificationArn: [...ACTIONS],
};

interface Case {
  /** The text handed to `--input -`. */
  text: string;
  /** What the generator did, for the failure message. */
  what: string;
  /** The document the run must receive (valid cases only). */
  expected?: Record<string, unknown>;
}

function makeCase(random: () => number): Case {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const word = (n = int(1, 12)): string =>
    Array.from({ length: n }, () => pick('abcdefghijklmnopqrstuvwxyzAB0189-_'.split(''))).join('');

  const action = pick(ACTIONS);
  const tags: Record<string, string> = {};
  for (let i = int(1, 3); i > 0; i--) tags[`DR-${word()}`] = word(int(0, 10));
  const options: Record<string, unknown> = {};
  const validValue: Record<string, () => unknown> = {
    isDrill: () => random() < 0.5,
    maxWaitMinutes: () => int(1, 1440),
    pointInTimeSnapshot: () => `pit-${'0123456789abcdefg'.slice(0, 17)}`,
    continueOnFailure: () => random() < 0.5,
    parallelism: () => (random() < 0.1 ? 'max' : int(1, 500)),
    nextPhaseThreshold: () => Math.round(random() * 100) / 100,
    terminateNonDrill: () => random() < 0.5,
    olderThanMinutes: () => int(0, 525_600),
    notificationArn: () => 'arn:aws:sns:us-east-1:123456789012:drs-notify',
  };
  for (const [name, actions] of Object.entries(APPLIES)) {
    if (actions.includes(action) && random() < 0.3) options[name] = validValue[name]?.();
  }
  const metadata: Record<string, unknown> = {};
  if (random() < 0.5) metadata.correlationId = `run-${word()}`;
  if (random() < 0.3) metadata.ticketId = word();
  if (random() < 0.2) metadata.extra = { nested: [1, 2, { x: word() }] };
  const doc: Record<string, unknown> = { action, tags };
  if (Object.keys(options).length > 0 || random() < 0.2) doc.options = options;
  if (Object.keys(metadata).length > 0 || random() < 0.2) doc.metadata = metadata;

  if (random() < 0.4) return { text: JSON.stringify(doc), what: 'valid', expected: doc };

  const wrongTypes: unknown[] = ['x', true, false, 0, 7.5, null, [], [1], {}];
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const mutation = int(0, 12);
  const bad = structuredClone(doc);
  switch (mutation) {
    case 0: {
      const field = pick(['options', 'metadata', 'tags'] as const);
      bad[field] = pick(wrongTypes.filter((v) => typeOf(v) !== 'object'));
      return { text: JSON.stringify(bad), what: `${field} of the wrong type` };
    }
    case 1: {
      const name = pick(Object.keys(APPLIES).filter((n) => APPLIES[n]?.includes(action)));
      const expectedType = typeof validValue[name]?.();
      const isInteger = ['maxWaitMinutes', 'parallelism', 'olderThanMinutes'].includes(name);
      const value = pick(
        wrongTypes.filter(
          (v) => typeOf(v) !== expectedType || (isInteger && typeof v === 'number' && !Number.isInteger(v)),
        ),
      );
      bad.options = { ...(bad.options as object), [name]: value };
      return { text: JSON.stringify(bad), what: `options.${name} = ${JSON.stringify(value)}` };
    }
    case 2: {
      // A key given twice, at the top or inside options, with the same or another value.
      const text = JSON.stringify(doc);
      const other = pick(ACTIONS);
      return {
        text: text.replace('{"action":', `{"action":"${other}","action":`),
        what: 'duplicate action key',
      };
    }
    case 3: {
      const { options: _dropped, ...rest } = doc;
      const text = JSON.stringify(rest).replace(/}$/, ',"options":{"parallelism":5,"parallelism":10}}');
      return { text, what: 'duplicate option key' };
    }
    case 4: {
      const name = pick(
        Object.keys(APPLIES).filter(
          (n) => !APPLIES[n]?.includes(action) && !(action === 'drill' && n === 'isDrill'),
        ),
      );
      if (name === undefined) return { text: '{"action":"nope","tags":{"A":"1"}}', what: 'unknown action' };
      bad.options = { ...(bad.options as object), [name]: validValue[name]?.() };
      return { text: JSON.stringify(bad), what: `option ${name} for ${action}` };
    }
    case 5: {
      if (random() < 0.5) bad[`unknown${word()}`] = 1;
      else bad.options = { ...(bad.options as object), [`unknown${word()}`]: 1 };
      return { text: JSON.stringify(bad), what: 'unknown field' };
    }
    case 6: {
      const [name, value] = pick([
        ['maxWaitMinutes', 0],
        ['maxWaitMinutes', 1441],
        ['parallelism', 0],
        ['parallelism', -1],
        ['nextPhaseThreshold', 1.5],
        ['nextPhaseThreshold', -0.1],
      ] as const);
      if (!APPLIES[name]?.includes(action)) return { text: JSON.stringify({ tags }), what: 'no action' };
      bad.options = { ...(bad.options as object), [name]: value };
      return { text: JSON.stringify(bad), what: `options.${name} = ${value}` };
    }
    case 7: {
      const depth = int(33, 20_000);
      bad.metadata = { deep: 0 };
      return {
        text: JSON.stringify(bad).replace('"deep":0', `"deep":${'['.repeat(depth)}${']'.repeat(depth)}`),
        what: `${depth} nested arrays`,
      };
    }
    case 8: {
      const field = pick(['action', 'tags'] as const);
      delete bad[field];
      return { text: JSON.stringify(bad), what: `no ${field}` };
    }
    case 9: {
      bad.tags = pick([{}, { 'aws:x': '1' }, { A: 1 }, { A: null }, { '': 'x' }, { A: 'x'.repeat(257) }]);
      return { text: JSON.stringify(bad), what: `tags ${JSON.stringify(bad.tags).slice(0, 40)}` };
    }
    case 10: {
      const text = JSON.stringify(doc);
      return { text: text.slice(0, int(0, text.length - 1)), what: 'truncated JSON' };
    }
    case 11: {
      bad.action = pick(['', 'Drill', 'DRILL', 'recover', 1, null, ['drill']]);
      return { text: JSON.stringify(bad), what: `action ${JSON.stringify(bad.action)}` };
    }
    default: {
      bad.metadata = { ...(bad.metadata as object), correlationId: pick(['', 'a'.repeat(257), 'x;y', 5]) };
      return { text: JSON.stringify(bad), what: 'bad correlationId' };
    }
  }
}

describe('CLI input fuzz (generated documents through main, in-process)', () => {
  it('accepts exactly the valid documents: 0 internal errors, 0 accepted-but-invalid in 10,000', async () => {
    const random = rng(20_261_130);
    const tally = { documents: 0, valid: 0, refused: 0, internal: 0, acceptedInvalid: 0, refusedValid: 0 };
    const problems: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const c = makeCase(random);
      const { io, stderr } = fakeIo({ stdin: c.text });
      const { deps, calls } = fakeDeps();
      const code = await main(['run', '--input', '-', '--quiet'], io, deps);
      tally.documents += 1;
      if (code === 70) {
        tally.internal += 1;
        problems.push(`#${i} ${c.what}: exit 70 ${stderr.text.slice(0, 200)}`);
      } else if (c.expected !== undefined) {
        tally.valid += 1;
        if (code !== 0 || JSON.stringify(calls.runs[0]) !== JSON.stringify(c.expected)) {
          tally.refusedValid += 1;
          problems.push(
            `#${i} valid document refused (exit ${code}): ${c.text} ${stderr.text.slice(0, 200)}`,
          );
        }
      } else {
        tally.refused += code === 64 && calls.opened.length === 0 ? 1 : 0;
        if (code !== 64 || calls.opened.length > 0) {
          tally.acceptedInvalid += 1;
          problems.push(`#${i} ${c.what} accepted (exit ${code}): ${c.text.slice(0, 200)}`);
        } else if (!/^drs-orch: /.test(stderr.text) || /\n\s+at /.test(stderr.text)) {
          problems.push(`#${i} ${c.what}: refusal without a clear message: ${stderr.text.slice(0, 200)}`);
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(tally.internal).toBe(0);
    expect(tally.acceptedInvalid).toBe(0);
    expect(tally.documents).toBe(10_000);
    // Both sides were exercised in earnest.
    expect(tally.valid).toBeGreaterThan(3000);
    expect(tally.refused).toBeGreaterThan(5000);
    console.info(`input fuzz: ${JSON.stringify(tally)}`);
  }, 120_000);
});
