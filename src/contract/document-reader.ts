/**
 * The one strict reader for every document drs-orch accepts from a person or a pipeline:
 * runbooks (JSON or YAML), orchestration inputs (`run --input`, stdin), fleet files, fault plans
 * and report files. Pure (text or bytes in, a value out, no I/O); the callers that read files use
 * {@link checkDocumentSize} on the file's size before reading it whole.
 *
 * Why it exists: `JSON.parse` keeps the last of two equal keys, so
 * `{"action":"drill",...,"action":"failover"}` ran a failover; the `yaml` package checks duplicate
 * keys in quadratic time, expands aliases without a size budget, lets a recursive alias through
 * (a circular object), accepts unknown tags as strings, and its composer recurses (a deeply
 * nested file exhausts the stack or takes minutes). Every refusal here is a {@link DocumentRejected}
 * naming the document, the limit and the JSON pointer, raised before anything starts.
 *
 * Every check is one pass over the text or the parsed nodes: keys are checked with one `Set` per
 * object, aliases resolve through one anchor table, nesting is tracked on an explicit stack (no
 * recursion), and JSON pointers are built only for the message of a refusal.
 */
import { Composer, isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, type Node, Parser } from 'yaml';
import { DocumentRejected } from './errors.js';

/** The kinds of document drs-orch reads; each has its own {@link DOCUMENT_LIMITS}. */
export type DocumentKind = 'runbook' | 'input' | 'fleet' | 'fault-plan' | 'report' | 'registry';

/** Syntax of a document. YAML is read with the core schema only. */
export type DocumentFormat = 'json' | 'yaml';

/** Limits of one document kind. */
export interface DocumentLimits {
  /** Most UTF-8 bytes of text; also the most a YAML document may grow to once its aliases are expanded. */
  readonly maxBytes: number;
  /** Most nested objects/arrays (the top-level object counts as 1). */
  readonly maxDepth: number;
  /** Most YAML aliases (`*name`) in one document; 0 refuses every alias. */
  readonly maxAliases: number;
}

const MiB = 1024 * 1024;

/**
 * The documented limits (README, "How documents are read" under Runbooks, lists them):
 * - runbook: 4 MiB, 64 levels, 100 aliases (a real runbook is a few KiB and 5 levels deep);
 * - input: 256 KiB (the Step Functions payload limit the input must fit anyway), 32 levels;
 * - fleet: 16 MiB (`fleet generate` at its largest, 50 accounts x 300 servers, writes 5.4 MB), 64 levels;
 * - fault plan: 4 MiB, 32 levels;
 * - report: 64 MiB (a report lists every server of every wave), 64 levels;
 * - registry file (`drs-orch registry`): 1 MiB (50 accounts are a few KiB), 32 levels.
 * Only runbooks are YAML, so only they may have aliases.
 */
export const DOCUMENT_LIMITS: Readonly<Record<DocumentKind, DocumentLimits>> = {
  runbook: { maxBytes: 4 * MiB, maxDepth: 64, maxAliases: 100 },
  input: { maxBytes: 262_144, maxDepth: 32, maxAliases: 0 },
  fleet: { maxBytes: 16 * MiB, maxDepth: 64, maxAliases: 0 },
  'fault-plan': { maxBytes: 4 * MiB, maxDepth: 32, maxAliases: 0 },
  report: { maxBytes: 64 * MiB, maxDepth: 64, maxAliases: 0 },
  registry: { maxBytes: MiB, maxDepth: 32, maxAliases: 0 },
};

/** How to read one document. */
export interface ReadDocumentOptions {
  /** The document as the user named it, for messages: a path as typed, `stdin`, `fault plan`. */
  readonly name: string;
  readonly format: DocumentFormat;
  /** @default the limits of `kind`, else of a runbook */
  readonly limits?: DocumentLimits;
  /** Picks {@link DOCUMENT_LIMITS} when `limits` is not given. */
  readonly kind?: DocumentKind;
}

/** A byte limit as people read it: `4194304 bytes (4 MiB)`, `150 bytes`. */
function showBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n} bytes (${n / MiB} MiB)`;
  if (n >= 1024 && n % 1024 === 0) return `${n} bytes (${n / 1024} KiB)`;
  return `${n} bytes`;
}

/**
 * Refuses a document whose size is over the limit. Callers that read a file call it with the
 * file's size before reading it, so an oversize file is never held in memory.
 *
 * @param atLeast `bytes` is what arrived so far (a stream cut off), not the whole size
 * @throws {DocumentRejected} (`limit: 'size'`) naming the size and the cap
 * @example checkDocumentSize('rb.yaml', (await stat('rb.yaml')).size, DOCUMENT_LIMITS.runbook)
 */
export function checkDocumentSize(
  name: string,
  bytes: number,
  limits: DocumentLimits,
  atLeast = false,
): void {
  if (bytes > limits.maxBytes) {
    throw new DocumentRejected(
      name,
      'size',
      `too large: ${atLeast ? 'more than ' : ''}${atLeast ? limits.maxBytes : bytes} bytes, over the limit of ${showBytes(limits.maxBytes)}`,
    );
  }
}

/** The format a file's name implies: `.json` is JSON, anything else (`.yaml`, `.yml`) YAML. */
export function documentFormatOf(path: string): DocumentFormat {
  return path.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
}

/** Escapes one segment of a JSON pointer (RFC 6901). */
function segment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A key for messages: quoted, and cut short when long. */
function showKey(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}...` : key);
}

/** 1-based line of a character offset (only computed for a refusal). */
function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads one document strictly: size, then syntax, nesting depth, duplicate keys and (YAML) aliases
 * and tags, all before the value is handed to anything.
 *
 * Valid JSON without a repeated key reads exactly as `JSON.parse` reads it. YAML is read with the
 * core schema (strings, numbers, booleans, null, maps, sequences); an explicit tag outside it
 * (`!!js/function`, `!!binary`, `!custom`) or one that cannot apply (`!!int "abc"`) is refused.
 *
 * @param source the document's text, or its bytes (which must be UTF-8)
 * @throws {DocumentRejected} naming the document, the limit and the JSON pointer, e.g.
 *   `rb.json: duplicate key "action" at /action (line 1)`
 * @example
 * ```ts
 * const raw = readDocument(text, { name: 'rb.yaml', format: 'yaml', kind: 'runbook' });
 * parseRunbook(raw);
 * ```
 */
export function readDocument(source: string | Uint8Array, options: ReadDocumentOptions): unknown {
  const limits = options.limits ?? DOCUMENT_LIMITS[options.kind ?? 'runbook'];
  const name = options.name;
  let text: string;
  if (typeof source === 'string') {
    // A JS string's UTF-8 size is at least its length: skip the exact count when that already passes.
    if (source.length * 3 > limits.maxBytes)
      checkDocumentSize(name, Buffer.byteLength(source, 'utf8'), limits);
    text = source;
  } else {
    checkDocumentSize(name, source.byteLength, limits);
    try {
      text = decoder.decode(source);
    } catch {
      throw new DocumentRejected(name, 'encoding', 'not UTF-8 text');
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not content
  return options.format === 'json' ? readJson(text, name, limits) : readYaml(text, name, limits);
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

/** One open JSON object or array of the scan. */
interface JsonFrame {
  /** Keys seen so far; undefined for an array. */
  readonly keys: Set<string> | undefined;
  expectKey: boolean;
  lastKey: string;
  index: number;
}

/** JSON pointer of the innermost open value (for a refusal only). */
function jsonPointer(stack: readonly JsonFrame[], last = stack.length): string {
  let pointer = '';
  for (let i = 0; i < last; i++) {
    const f = stack[i] as JsonFrame;
    if (i + 1 < last) pointer += `/${f.keys ? segment(f.lastKey) : String(f.index)}`;
  }
  return pointer;
}

/**
 * Scans JSON text once (iteratively: hostile nesting cannot overflow the stack) for nesting
 * depth and repeated keys, then lets `JSON.parse` build the value from text that passed.
 */
function readJson(text: string, name: string, limits: DocumentLimits): unknown {
  const stack: JsonFrame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const end = stringEnd(text, i);
      if (end < 0) break; // unterminated: JSON.parse below says so
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined && top.expectKey) {
        let key = text.slice(i + 1, end - 1);
        if (key.includes('\\')) {
          try {
            key = JSON.parse(text.slice(i, end)) as string; // `"\u0070"` and `"p"` are one key
          } catch {
            break; // a bad escape: JSON.parse below reports it
          }
        }
        if (top.keys.has(key)) {
          top.lastKey = key;
          throw new DocumentRejected(
            name,
            'duplicate-key',
            `duplicate key ${showKey(key)}`,
            `${jsonPointer(stack)}/${segment(key)}`,
            lineAt(text, i),
          );
        }
        top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = end - 1;
    } else if (c === 123 || c === 91) {
      if (stack.length >= limits.maxDepth) {
        throw new DocumentRejected(
          name,
          'depth',
          `nests deeper than ${limits.maxDepth} levels of objects and arrays`,
          jsonPointer(stack, stack.length + 1),
          lineAt(text, i),
        );
      }
      stack.push({
        keys: c === 123 ? new Set<string>() : undefined,
        expectKey: c === 123,
        lastKey: '',
        index: 0,
      });
    } else if (c === 125 || c === 93) {
      stack.pop();
    } else if (c === 44) {
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined) top.expectKey = true;
      else if (top !== undefined) top.index += 1;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    throw new DocumentRejected(
      name,
      'syntax',
      `not valid JSON: ${message.split('\n')[0]}`,
      '',
      at ? lineAt(text, Number(at[1])) : undefined,
    );
  }
}

/** Tags of the YAML core schema (and `!`, the non-specific tag that means string). */
const CORE_TAGS = new Set([
  '!',
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);

/** A tag as the author wrote it: `!!int` for the YAML namespace. */
function showTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/** What an anchor stands for: its value and expanded size, once its node is complete. */
interface Anchored {
  value: unknown;
  size: number;
  done: boolean;
}

/** One open YAML map or sequence of the walk. */
interface YamlFrame {
  readonly node: Node;
  readonly items: readonly unknown[];
  readonly value: Record<string, unknown> | unknown[];
  readonly keys: Set<string> | undefined;
  readonly anchored: Anchored | undefined;
  /** Pointer segment of this node in its parent ('' for the root). */
  readonly segment: string;
  next: number;
  /** Key (for a map) the child being read goes under. */
  pendingKey: string;
  size: number;
}

/** Sets a key like `JSON.parse` does: `__proto__` becomes an own property, never the prototype. */
function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else target[key] = value;
}

/**
 * Reads YAML with the core schema. The lexer and parser run under a depth watch (the `yaml`
 * composer recurses, and its parser slows down quadratically on deep flow nesting, so a deep
 * document is stopped while it is being parsed); then one iterative walk over the nodes checks
 * tags, keys and aliases and builds the value.
 */
function readYaml(text: string, name: string, limits: DocumentLimits): unknown {
  const lineCounter = new LineCounter();
  const line = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0); // what Parser.parse() does first: line 1 starts at offset 0
  const tokens = [];
  // The parser's stack holds the document, each open collection, and at most a pending key or
  // value: deeper than maxDepth + 2 means the content nests deeper than maxDepth.
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > limits.maxDepth + 2) {
      throw new DocumentRejected(
        name,
        'depth',
        `nests deeper than ${limits.maxDepth} levels of maps and sequences`,
        '',
        line(parser.offset),
      );
    }
  }
  for (const token of parser.end()) tokens.push(token);
  const composer = new Composer({
    schema: 'core',
    uniqueKeys: false, // checked below in linear time (the package's check is quadratic)
    resolveKnownTags: false,
    merge: false,
    strict: true,
    version: '1.2',
  });
  const docs = [...composer.compose(tokens, true, text.length)];
  if (docs.length > 1) {
    throw new DocumentRejected(
      name,
      'syntax',
      'more than one YAML document (a second --- starts one); give one document',
      '',
      line(docs[1]?.range[0]),
    );
  }
  const doc = docs[0];
  if (doc === undefined) return null;
  const error = doc.errors[0];
  if (error !== undefined) {
    throw new DocumentRejected(
      name,
      'syntax',
      `not valid YAML: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      '',
      line(error.pos[0]),
    );
  }

  const anchors = new Map<string, Anchored>();
  const stack: YamlFrame[] = [];
  let aliases = 0;
  let expanded = 0;
  const pointer = (child?: string): string =>
    stack
      .slice(1)
      .map((f) => `/${f.segment}`)
      .join('') + (child === undefined ? '' : `/${child}`);
  const refuse = (
    limit: ConstructorParameters<typeof DocumentRejected>[1],
    what: string,
    node: Node | null | undefined,
    child?: string,
  ): never => {
    throw new DocumentRejected(name, limit, what, pointer(child), line(node?.range?.[0]));
  };
  const checkTag = (node: Node, child?: string): void => {
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      refuse(
        'tag',
        `unknown tag ${showTag(node.tag)}; only the YAML core schema (strings, numbers, booleans, null, maps, sequences) is read`,
        node,
        child,
      );
    }
  };

  /**
   * The value of a node that is not a collection (and its expanded size), or undefined for a
   * collection, which is pushed on the stack instead.
   */
  const enter = (node: unknown, child: string): { value: unknown; size: number } | undefined => {
    if (node === null || node === undefined) return { value: null, size: 4 };
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined)
        refuse('syntax', `alias *${node.source} names no anchor before it`, node, child);
      else if (!target.done) {
        refuse('recursive-alias', `alias *${node.source} refers to a node that contains it`, node, child);
      }
      aliases += 1;
      if (aliases > limits.maxAliases) {
        refuse(
          'aliases',
          limits.maxAliases === 0
            ? 'a YAML alias; documents of this kind may have none'
            : `more than ${limits.maxAliases} YAML aliases`,
          node,
          child,
        );
      }
      const size = (target as Anchored).size;
      expanded += size;
      if (expanded > limits.maxBytes) {
        refuse(
          'alias-expansion',
          `aliases expand the document beyond ${showBytes(limits.maxBytes)}`,
          node,
          child,
        );
      }
      return { value: (target as Anchored).value, size };
    }
    const n = node as Node;
    checkTag(n, child);
    if (isScalar(n)) {
      const value = n.value;
      const size = typeof value === 'string' ? value.length + 2 : String(value).length;
      expanded += size;
      if (n.anchor !== undefined) anchors.set(n.anchor, { value, size, done: true });
      return { value, size };
    }
    if (isMap(n) || isSeq(n)) {
      if (stack.length >= limits.maxDepth) {
        refuse('depth', `nests deeper than ${limits.maxDepth} levels of maps and sequences`, n, child);
      }
      const anchored = n.anchor === undefined ? undefined : { value: undefined, size: 0, done: false };
      if (n.anchor !== undefined) anchors.set(n.anchor, anchored as Anchored);
      const map = isMap(n);
      stack.push({
        node: n,
        items: n.items,
        value: map ? {} : [],
        keys: map ? new Set<string>() : undefined,
        anchored,
        segment: child,
        next: 0,
        pendingKey: '',
        size: 2,
      });
      expanded += 2;
      return undefined;
    }
    return refuse('syntax', 'a YAML node drs-orch cannot read', n, child);
  };
  const attach = (value: unknown, size: number): void => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) return;
    parent.size += size;
    if (parent.keys !== undefined) setKey(parent.value as Record<string, unknown>, parent.pendingKey, value);
    else (parent.value as unknown[]).push(value);
  };

  const root = enter(doc.contents, '');
  if (root !== undefined) return root.value;
  let result: unknown;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as YamlFrame;
    if (frame.next >= frame.items.length) {
      stack.pop();
      if (frame.anchored !== undefined) {
        frame.anchored.value = frame.value;
        frame.anchored.size = frame.size;
        frame.anchored.done = true;
      }
      if (stack.length === 0) result = frame.value;
      else attach(frame.value, frame.size);
      continue;
    }
    const item = frame.items[frame.next];
    frame.next += 1;
    let child: string;
    let valueNode: unknown;
    if (frame.keys !== undefined) {
      const pair = item as { key: unknown; value: unknown };
      const keyNode = pair.key;
      if (keyNode !== null && keyNode !== undefined && !isScalar(keyNode)) {
        refuse('key', 'a key that is not a plain value (a map, a sequence or an alias)', keyNode as Node);
      }
      if (isScalar(keyNode)) checkTag(keyNode);
      const raw = isScalar(keyNode) ? keyNode.value : null;
      const key = raw === null ? '' : String(raw);
      if (frame.keys.has(key)) {
        refuse('duplicate-key', `duplicate key ${showKey(key)}`, keyNode as Node, segment(key));
      }
      frame.keys.add(key);
      frame.pendingKey = key;
      frame.size += key.length + 3;
      expanded += key.length + 3;
      child = segment(key);
      valueNode = pair.value;
    } else {
      child = String(frame.next - 1);
      valueNode = item;
    }
    const leaf = enter(valueNode, child);
    if (leaf !== undefined) attach(leaf.value, leaf.size);
  }
  // Whatever the composer could not place (e.g. `!!int "abc"`) is a warning: refused, not guessed.
  const warning = doc.warnings[0];
  if (warning !== undefined) {
    const tag = /Unresolved tag: (\S+)/.exec(warning.message);
    throw new DocumentRejected(
      name,
      tag ? 'tag' : 'syntax',
      tag
        ? `tag ${showTag(tag[1] as string)} does not apply to the value it is on`
        : `not valid YAML: ${warning.message.split('\n')[0]}`,
      '',
      line(warning.pos[0]),
    );
  }
  return result;
}
