import { describe, expect, it } from 'vitest';
import * as errors from '../../../src/contract/errors.js';

const { ErrorNames, isDrsOrchestrationError } = errors;

describe('Error classes', () => {
  it('export the design 11.1 names as constants', () => {
    expect(ErrorNames).toMatchObject({
      ValidationError: 'ValidationError',
      ThrottlingException: 'ThrottlingException',
      ServerNotReady: 'ServerNotReady',
      JobTimeout: 'JobTimeout',
      CrossAccountAccessDenied: 'CrossAccountAccessDenied',
      DRSServiceError: 'DRSServiceError',
      JobInProgress: 'JobInProgress',
    });
  });

  // ValidationError and DocumentRejected take what they report (problems; document, limit, pointer), tested below.
  it.each(Object.values(ErrorNames).filter((n) => n !== 'ValidationError' && n !== 'DocumentRejected'))(
    'has a class named %s whose instances carry that name',
    (name) => {
      const Ctor = (errors as unknown as Record<string, new (m: string, c?: object) => Error>)[name];
      expect(Ctor).toBeDefined();

      const err = new (Ctor as new (m: string, c?: object) => Error)('boom', { accountId: '111111111111' });

      expect(err.name).toBe(name);
      expect(isDrsOrchestrationError(err)).toBe(true);
      expect(JSON.parse(JSON.stringify(err))).toEqual({
        name,
        message: 'boom',
        context: { accountId: '111111111111' },
      });
    },
  );

  it('marks retryable errors as the design retries them', () => {
    expect(new errors.ThrottlingException('x').retryable).toBe(true);
    expect(new errors.DRSServiceError('x').retryable).toBe(true);
    expect(new errors.ServerNotReady('x').retryable).toBe(true);
    expect(new errors.JobTimeout('x').retryable).toBe(false);
    expect(new errors.CrossAccountAccessDenied('x').retryable).toBe(false);
    expect(new errors.ValidationError([]).retryable).toBe(false);
  });

  it('names the document, the limit, the pointer and the line of a DocumentRejected', () => {
    const err = new errors.DocumentRejected(
      'rb.json',
      'duplicate-key',
      'duplicate key "action"',
      '/action',
      1,
    );

    expect(err.name).toBe('DocumentRejected');
    expect(err.retryable).toBe(false);
    expect(isDrsOrchestrationError(err)).toBe(true);
    expect(err.message).toBe('rb.json: duplicate key "action" at /action (line 1)');
    expect(err).toMatchObject({ document: 'rb.json', limit: 'duplicate-key', pointer: '/action', line: 1 });
    expect(new errors.DocumentRejected('big.yaml', 'size', 'too large').message).toBe('big.yaml: too large');
    expect(
      new errors.DocumentRejected('d.json', 'depth', 'too deep', `/${'0/'.repeat(100)}0`).message,
    ).toMatch(/^d\.json: too deep at (\/0){60}\.\.\.$/);
  });

  it('recognises a foreign error by its stable name', () => {
    const foreign = new Error('x');
    foreign.name = 'ThrottlingException';

    expect(isDrsOrchestrationError(foreign)).toBe(true);
    expect(isDrsOrchestrationError(new TypeError('x'))).toBe(false);
  });
});
