/**
 * Strict JSON text parsing for documents a person or a pipeline hands us: size and nesting depth
 * are checked before any structure is built, and a key given twice in one object is refused
 * (`JSON.parse` silently keeps the last one, so `{"action":"drill","action":"failover"}` would run
 * a failover from a document that says drill).
 */
import { ValidationError } from './errors.js';

/** Limits of {@link parseJsonText}. */
export interface JsonTextLimits {
  /** Most UTF-8 bytes of text. */
  readonly maxBytes: number;
  /** Most nested objects/arrays (the top-level object counts as 1). */
  readonly maxDepth: number;
}

/** Deepest nesting an orchestration input needs is 3 (`/options/x`, `/metadata/x`); 32 leaves room. */
export const DEFAULT_JSON_LIMITS: JsonTextLimits = { maxBytes: 262_144, maxDepth: 32 };

function fail(pointer: string, message: string): never {
  throw new ValidationError([{ pointer, message }]);
}

/** Position as `line L column C` for messages. */
function where(text: string, at: number): string {
  let line = 1;
  let column = 1;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      column = 1;
    } else column += 1;
  }
  return `line ${line} column ${column}`;
}

/** Escapes one segment of a JSON pointer (RFC 6901). */
function segment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** End index (exclusive) of the JSON string token starting at `start` (a `"`), or -1. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92)
      i += 1; // backslash: skip the escaped character
    else if (c === 34) return i + 1;
  }
  return -1;
}

/**
 * Parses JSON text after checking it: at most `maxBytes`, at most `maxDepth` levels of nesting,
 * no key twice in one object. The scan is iterative (no recursion), so hostile nesting cannot
 * overflow the stack; `JSON.parse` runs only on text that passed.
 *
 * @throws {ValidationError} naming the limit or the duplicated key (with its JSON pointer), or
 *   why the text is not JSON.
 * @example
 * ```ts
 * parseJsonText('{"action":"drill","action":"failover"}');
 * // ValidationError: /action is given twice in one object (line 1 column 19)
 * ```
 */
export function parseJsonText(text: string, limits: JsonTextLimits = DEFAULT_JSON_LIMITS): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) fail('', `must be at most ${limits.maxBytes} bytes of JSON, got ${bytes}`);

  // One frame per open object/array: its pointer, and for objects the keys seen so far.
  const stack: { pointer: string; keys?: Set<string>; expectKey: boolean; lastKey: string; index: number }[] =
    [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end < 0) break; // unterminated: JSON.parse below says so
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined && top.expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, end)) as string;
        } catch {
          break; // a bad escape: JSON.parse below reports it
        }
        const pointer = `${top.pointer}/${segment(key)}`;
        if (top.keys.has(key)) fail(pointer, `is given twice in one object (${where(text, i)})`);
        top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = end - 1;
    } else if (c === '{' || c === '[') {
      if (stack.length >= limits.maxDepth) {
        fail('', `must nest at most ${limits.maxDepth} levels of objects and arrays (${where(text, i)})`);
      }
      const parent = stack[stack.length - 1];
      const pointer =
        parent === undefined
          ? ''
          : `${parent.pointer}/${parent.keys ? segment(parent.lastKey) : String(parent.index)}`;
      stack.push({
        pointer,
        ...(c === '{' ? { keys: new Set<string>() } : {}),
        expectKey: c === '{',
        lastKey: '',
        index: 0,
      });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined) top.expectKey = true;
      else if (top !== undefined) top.index += 1;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail('', `is not valid JSON: ${(err as Error).message}`);
  }
}
