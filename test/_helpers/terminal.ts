/**
 * A fake terminal for driving `main()` through prompts: stdin and stderr are TTYs, and each
 * prompt seen on stderr is answered with the next scripted reply.
 */
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { Capture } from '../unit/cli/fakes.js';

/**
 * A terminal: stdin and stderr are TTYs; `answers` reply to each prompt as it appears (after
 * `thinkMs` of real time, like a person reading the message, when given).
 */
export function terminal(dir: string, answers: Record<string, string[]>, thinkMs = 0) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const stderr = new Capture(true);
  const stdout = new Capture();
  const given = new Map<string, number>();
  const seen = new Map<string, number>();
  const write = stderr.write.bind(stderr);
  stderr.write = (chunk: string): boolean => {
    const ok = write(chunk);
    for (const [prompt, replies] of Object.entries(answers)) {
      const count = chunk.split(prompt).length - 1;
      for (let i = 0; i < count; i++) {
        const n = seen.get(prompt) ?? 0;
        seen.set(prompt, n + 1);
        const reply = replies[n];
        if (reply !== undefined) {
          given.set(prompt, (given.get(prompt) ?? 0) + 1);
          if (thinkMs > 0) setTimeout(() => stdin.write(`${reply}\n`), thinkMs);
          else setImmediate(() => stdin.write(`${reply}\n`));
        }
      }
    }
    return ok;
  };
  const io: CliIo = { stdout, stderr, stdin, env: { NO_COLOR: '1' }, isTTY: true, cwd: dir };
  return { io, stdout, stderr, seen };
}

/**
 * Presses "Ctrl-C" when `prompt` appears on the terminal: calls the handler a runbook gives its
 * session's `interceptInterrupt` (what its SIGINT listener calls). Returns that
 * `interceptInterrupt`, to put on the session.
 */
export function ctrlCAt(t: ReturnType<typeof terminal>, prompt: string): (handler: () => boolean) => void {
  let interrupt: (() => boolean) | undefined;
  const write = t.stderr.write.bind(t.stderr);
  t.stderr.write = (chunk: string): boolean => {
    if (chunk.includes(prompt)) setImmediate(() => interrupt?.());
    return write(chunk);
  };
  return (handler) => {
    interrupt = handler;
  };
}
