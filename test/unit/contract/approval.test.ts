import { describe, expect, it } from 'vitest';
import { approvalVerdict, parseApprovalDecision } from '../../../src/contract/approval.js';

describe('approval decision: one schema for every answer to a wave approval', () => {
  it('approves only a well-formed answer that says approved: true', () => {
    expect(approvalVerdict({ approved: true })).toEqual({ approved: true, decision: { approved: true } });
    expect(
      approvalVerdict({ approved: true, approvedBy: 'alice', at: '2025-01-06T09:00:00.000Z', comment: 'go' }),
    ).toMatchObject({ approved: true, decision: { approvedBy: 'alice', comment: 'go' } });
  });

  it('rejects an explicit no with its comment', () => {
    expect(approvalVerdict({ approved: false, comment: 'NOT approved' })).toEqual({
      approved: false,
      decision: { approved: false, comment: 'NOT approved' },
      reason: 'NOT approved',
    });
    expect(approvalVerdict({ approved: false })).toMatchObject({
      approved: false,
      reason: 'the answer says approved: false',
    });
  });

  it.each([
    [{ approved: 'yes' }, '/approved must be boolean, got string "yes"'],
    [{ approved: 1 }, '/approved must be boolean, got integer 1'],
    [[], '/ must be object, got array []'],
    [{}, '/approved is required'],
    [null, '/ must be object, got null'],
    ['yes', '/ must be object, got string "yes"'],
    [{ approved: true, approve: false }, '/approve is not a known field'],
    [{ approved: true, at: 'tomorrow' }, '/at must be a date-time, got "tomorrow"'],
    [{ approved: true, approvedBy: '' }, '/approvedBy must be at least 1 characters, got 0'],
  ])('rejects a malformed answer %j, naming what does not match', (answer, problem) => {
    const verdict = approvalVerdict(answer);
    expect(verdict.approved).toBe(false);
    expect(verdict).toMatchObject({
      reason: expect.stringContaining(`malformed approval answer: ${problem}`),
    });
    expect(() => parseApprovalDecision(answer)).toThrow(/^invalid approval answer: /);
  });
});
