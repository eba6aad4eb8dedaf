import { describe, expect, it } from 'vitest';
import { PageTokenError, paginate } from '../../../../src/emulator/protocols/paginator.js';

const key = (n: number) => [n];

describe('paginate', () => {
  it('resumes after the last item returned when an item before it is removed between calls', () => {
    const first = paginate([1, 2, 3, 4, 5], { scope: 'op', key, max: 2 });
    expect(first.items).toEqual([1, 2]);

    const second = paginate([2, 3, 4, 5], { scope: 'op', key, max: 2, token: first.nextToken });

    expect(second.items).toEqual([3, 4]);
  });

  it('resumes correctly when the last returned item itself is removed, and in descending order', () => {
    const first = paginate([9, 7, 5, 3], { scope: 'op', key, order: 'desc', max: 2 });
    expect(first.items).toEqual([9, 7]);

    const second = paginate([10, 9, 5, 3], {
      scope: 'op',
      key,
      order: 'desc',
      max: 2,
      token: first.nextToken,
    });

    expect(second.items).toEqual([5, 3]);
    expect(second.nextToken).toBeUndefined();
  });

  it('refuses a token issued for another scope and one that was tampered with', () => {
    const { nextToken } = paginate([1, 2, 3], { scope: 'A', key, max: 1 });

    expect(() => paginate([1, 2, 3], { scope: 'B', key, max: 1, token: nextToken })).toThrow(PageTokenError);
    expect(() => paginate([1, 2, 3], { scope: 'A', key, max: 1, token: `${nextToken}x` })).toThrow(
      PageTokenError,
    );
    expect(() => paginate([1, 2, 3], { scope: 'A', key, max: 1, token: 'not-a-token' })).toThrow(
      PageTokenError,
    );
  });
});
