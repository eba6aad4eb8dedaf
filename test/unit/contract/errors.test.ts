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

  it.each(Object.values(ErrorNames).filter((n) => n !== 'ValidationError'))(
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

  it('recognises a foreign error by its stable name', () => {
    const foreign = new Error('x');
    foreign.name = 'ThrottlingException';

    expect(isDrsOrchestrationError(foreign)).toBe(true);
    expect(isDrsOrchestrationError(new TypeError('x'))).toBe(false);
  });
});
