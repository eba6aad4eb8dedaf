/**
 * Tag-based server selection (design 5.1).
 */

/**
 * True when `serverTags` carries every wanted key with exactly the wanted value (AND logic).
 * Keys and values are compared as given: DRS tags are case-sensitive.
 *
 * @example
 * ```ts
 * matchesTags({ Wave: '1', Application: 'HRP', Role: 'DB' }, { Wave: '1', Application: 'HRP' }); // true
 * matchesTags({ Wave: '2', Application: 'HRP' }, { Wave: '1', Application: 'HRP' }); // false
 * ```
 */
export function matchesTags(
  serverTags: Readonly<Record<string, string>> | undefined,
  wanted: Readonly<Record<string, string>>,
): boolean {
  const tags = serverTags ?? {};
  return Object.entries(wanted).every(([key, value]) => Object.hasOwn(tags, key) && tags[key] === value);
}

/**
 * Renders tags for humans, in key order: `DR-Wave=1, Application=HRP`.
 */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}

/**
 * What to tell a user whose tags matched nothing: the wanted keys no scanned server carries, and
 * the keys that exist (a typo'd key or value shows at a glance).
 *
 * @example
 * ```ts
 * noMatchHint({ 'DR-Wave': '01' }, ['DR-Wave', 'Owner']); // '; tag keys that exist: DR-Wave, Owner'
 * noMatchHint({ 'DR-Wav': '1' }, ['DR-Wave']); // '; no source server has the tag key DR-Wav; tag keys that exist: DR-Wave'
 * ```
 */
export function noMatchHint(wanted: Readonly<Record<string, string>>, known: readonly string[]): string {
  const missing = Object.keys(wanted).filter((k) => !known.includes(k));
  const keys =
    missing.length > 0
      ? `; no source server has the tag key${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`
      : '';
  return `${keys}; tag keys that exist: ${known.length > 0 ? known.join(', ') : 'none'}`;
}
