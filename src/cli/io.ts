/**
 * The CLI's view of the process: streams, environment and terminal. Injected so that tests run
 * `main()` in-process with fake streams and no global state.
 */
import process from 'node:process';
import { inertText } from '../core/inert-text.js';

/** A stream the CLI writes text to. */
export interface CliWritable {
  write(chunk: string): unknown;
  /** Terminal width, when the stream is a terminal. */
  readonly columns?: number;
  /** Terminal height, when the stream is a terminal. */
  readonly rows?: number;
  readonly isTTY?: boolean;
}

/** Everything `main()` touches outside its arguments. */
export interface CliIo {
  /** Receives the result (JSON or table) and help text. */
  readonly stdout: CliWritable;
  /** Receives progress, messages and errors. */
  readonly stderr: CliWritable;
  /** Read by `--input -`. */
  readonly stdin: AsyncIterable<string | Uint8Array>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is an interactive terminal: live view instead of plain progress lines. */
  readonly isTTY: boolean;
  /**
   * Directory that relative paths (`--input`, `--output`, `--fleet`, the state file) resolve against.
   * @default process.cwd()
   */
  readonly cwd?: string;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    isTTY: process.stderr.isTTY === true && process.env.CI === undefined,
    cwd: process.cwd(),
  };
}

/**
 * Fills the parts of a partial io from the real process, with inert stdout and stderr
 * ({@link inertIo}): `main()` runs every command through it, so every message, table, prompt,
 * warning and error is inert on a terminal whatever path wrote it.
 */
export function resolveIo(io: Partial<CliIo> | undefined): CliIo {
  const real = processIo();
  return inertIo({ ...real, ...io });
}

/** The stream under each inert stream, for the one writer that sends its own controls. */
const underlying = new WeakMap<CliWritable, CliWritable>();

/**
 * A stream that shows every terminal control in what it writes as its `\uXXXX` escape
 * ({@link inertText}; newlines and tabs kept): text from AWS or a fleet (a hostname holding
 * `ESC[2J`) can then never clear the screen, move the cursor or recolour what the operator reads.
 * JSON written through it stays valid and means the same.
 */
export function inertWritable(stream: CliWritable): CliWritable {
  if (underlying.has(stream)) return stream;
  // Getters: a terminal's size changes while a command runs.
  const inert = {
    write: (chunk: string) => stream.write(inertText(String(chunk))),
    get columns() {
      return stream.columns;
    },
    get rows() {
      return stream.rows;
    },
    get isTTY() {
      return stream.isTTY;
    },
  } as CliWritable;
  underlying.set(inert, stream);
  return inert;
}

/**
 * The stream under an {@link inertWritable}: only for the live progress view, which draws with
 * its own cursor controls and makes every piece of data in its frame inert itself.
 */
export function rawWritable(stream: CliWritable): CliWritable {
  return underlying.get(stream) ?? stream;
}

/** The io with inert stdout and stderr ({@link inertWritable}). */
export function inertIo(io: CliIo): CliIo {
  return { ...io, stdout: inertWritable(io.stdout), stderr: inertWritable(io.stderr) };
}
