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
