/**
 * The CLI's view of the process: streams, environment and terminal. Injected so that tests run
 * `main()` in-process with fake streams and no global state.
 */
import process from 'node:process';

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

/** Fills the parts of a partial io from the real process. */
export function resolveIo(io: Partial<CliIo> | undefined): CliIo {
  const real = processIo();
  return { ...real, ...io };
}
