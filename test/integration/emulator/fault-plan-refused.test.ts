/**
 * Every way in for a fault plan refuses a malformed one as EMULATOR.md says: `PUT
 * /_emulator/faults` answers 400 `FaultPlanError` with every problem and keeps the plan in force;
 * `startEmulator({ faults })` rejects; a fleet's `siteOutages` are checked by the same rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, generateFleet, startEmulator } from '../../../src/emulator/index.js';
import { startTestEmulator } from '../../_helpers/emulator.js';

const fleet = generateFleet({ seed: 21, accounts: 1, serversPerAccount: 2 });
const S1 = 's-10000000000000001';

describe('Emulator: malformed fault plans are refused', () => {
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.stop();
    emu = undefined;
  });

  const put = (body: string) =>
    fetch(`${emu?.endpoint}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('answers PUT /_emulator/faults 400 FaultPlanError listing each problem, and keeps the plan in force', async () => {
    emu = await startTestEmulator({ fleet, faults: { launchFailures: [S1] } });

    const res = await put(
      JSON.stringify({ throttle: [{ service: 'drs', probability: 2 }], launchFailures: 'all' }),
    );
    const body = (await res.json()) as { error: string; message: string; problems: string[] };
    const after = (await (await fetch(`${emu.endpoint}/_emulator/faults`)).json()) as unknown;

    expect(res.status).toBe(400);
    expect(body.error).toBe('FaultPlanError');
    expect(body.problems).toEqual([
      'throttle[0].probability 2 is invalid; expected at most 1',
      'launchFailures "all" is invalid; expected a list',
    ]);
    expect(body.message).toContain('fault plan is invalid: throttle[0].probability 2 is invalid');
    expect(after).toEqual({ launchFailures: [S1] });
  });

  it('answers 400 to a body that is not JSON or not an object', async () => {
    emu = await startTestEmulator({ fleet });

    const text = await put('throttle: all');
    const list = await put('[]');

    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({
      error: 'DocumentRejected',
      limit: 'syntax',
      message: expect.stringMatching(/^fault plan: not valid JSON: /),
    });
    expect(list.status).toBe(400);
    expect(await list.json()).toMatchObject({
      error: 'InspectionError',
      message: 'request body must be a JSON object',
    });
  });

  it('answers 400 DocumentRejected to a plan giving a key twice (one rule list would silently drop the other), and keeps the plan in force', async () => {
    emu = await startTestEmulator({ fleet, faults: { launchFailures: [S1] } });

    const res = await put(`{"launchFailures":["${S1}"],\n"launchFailures":[]}`);
    const after = (await (await fetch(`${emu.endpoint}/_emulator/faults`)).json()) as unknown;

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'DocumentRejected',
      message: 'fault plan: duplicate key "launchFailures" at /launchFailures (line 2)',
      limit: 'duplicate-key',
      pointer: '/launchFailures',
    });
    expect(after).toEqual({ launchFailures: [S1] });
  });

  it('refuses to start with a malformed plan, naming the field', async () => {
    const started = startEmulator({ fleet, timeScale: 0, faults: { latency: [{ service: 'drs', ms: -1 }] } });

    await expect(started).rejects.toMatchObject({
      name: 'FaultPlanError',
      problems: ['latency[0].ms -1 is invalid; expected at least 0'],
    });
  });

  it("checks a fleet's site outages by the same rules", async () => {
    const started = startEmulator({
      fleet: { ...fleet, siteOutages: [{ at: 'soon', tags: {} }] },
      timeScale: 0,
    });

    await expect(started).rejects.toMatchObject({ name: 'FleetError' });
    await expect(started).rejects.toThrow(/siteOutages\/0\/at must match format "date-time"/);
  });
});
