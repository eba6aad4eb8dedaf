/**
 * The one paginator of every emulated service. A page token is opaque to the caller but names
 * the **last item it returned** (its sort key), not an offset: the next page starts after that
 * key, so items added or removed between two calls never make a page repeat or skip an item
 * (an offset token would). The registry maps {@link PageTokenError} to the service's own invalid-token error, once for all
 * operations (`ServiceDescriptor.invalidPageToken`).
 */

/** A sort key: compared element by element (numbers numerically, strings by code unit). */
export type PageKey = readonly (string | number)[];

/** What {@link paginate} needs. */
export interface PaginateOptions<T> {
  /** What the token belongs to (operation and anything else that fixes the list); a token of another scope is refused. */
  readonly scope: string;
  /** The item's unique sort key; `items` must be ordered by it in `order`. */
  readonly key: (item: T) => PageKey;
  /** @default 'asc' */
  readonly order?: 'asc' | 'desc';
  /** Page size (>= 1). */
  readonly max: number;
  /** The token the caller sent, if any (empty = first page). */
  readonly token?: string | undefined;
}

/** One page and the token of the next (absent on the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

/** A token this paginator did not issue for that scope. */
export class PageTokenError extends Error {
  override readonly name = 'PageTokenError';

  constructor(
    /** The token the caller sent. */
    readonly token: string,
  ) {
    super('the pagination token is not one this operation issued');
  }
}

/** Compares two sort keys. */
export function compareKeys(a: PageKey, b: PageKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

interface TokenBody {
  readonly s: string;
  readonly k: PageKey;
}

function encode(scope: string, key: PageKey): string {
  return Buffer.from(JSON.stringify({ s: scope, k: key } satisfies TokenBody), 'utf8').toString('base64url');
}

function decode(token: string, scope: string): PageKey {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    body = undefined;
  }
  const t = body as Partial<TokenBody> | undefined;
  if (
    t === null ||
    typeof t !== 'object' ||
    t.s !== scope ||
    !Array.isArray(t.k) ||
    t.k.length === 0 ||
    !t.k.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) ||
    encode(scope, t.k) !== token
  ) {
    throw new PageTokenError(token);
  }
  return t.k;
}

/**
 * The page of `items` after the token's last item.
 *
 * @throws PageTokenError for a token not issued for `scope`
 * @example paginate(jobs, { scope: 'DescribeJobs', key: (j) => [j.createdMs, j.jobID], order: 'desc', max: 10, token })
 */
export function paginate<T>(items: readonly T[], opts: PaginateOptions<T>): Page<T> {
  const sign = opts.order === 'desc' ? -1 : 1;
  let start = 0;
  if (opts.token !== undefined && opts.token !== '') {
    const last = decode(opts.token, opts.scope);
    while (start < items.length && compareKeys(opts.key(items[start] as T), last) * sign <= 0) start++;
  }
  const max = Math.max(1, Math.floor(opts.max));
  const page = items.slice(start, start + max);
  const lastItem = page.at(-1);
  return start + max < items.length && lastItem !== undefined
    ? { items: page, nextToken: encode(opts.scope, opts.key(lastItem)) }
    : { items: page };
}
