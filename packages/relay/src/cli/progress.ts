/**
 * @module cli/progress
 * The progress line of long `send` runs on stderr, drawn by cli-progress: a bar redrawn at most
 * every 100 ms on a terminal, and a plain `label 1200/5000 rows` line every second otherwise (a CI
 * log, a file), so the output stays readable when it is not a terminal.
 */
import cliProgress from 'cli-progress';

import type { CommandIo } from './io.js';

/** What a command does with its progress line. */
export interface Progress {
  increment(by: number): void;
  stop(): void;
}

/** Starts a progress line for `total` items, or a silent one when there is nothing to count. */
export function startProgress(io: CommandIo, total: number, label: string): Progress {
  if (total === 0) return { increment: () => undefined, stop: () => undefined };
  const tty = io.err.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.err,
      format: tty
        ? `${label} [{bar}] {value}/{total} rows | {eta_formatted} left`
        : `${label} {value}/{total} rows`,
      fps: 10,
      noTTYOutput: true,
      notTTYSchedule: 1000,
      hideCursor: tty,
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: (by) => {
      bar.increment(by);
    },
    stop: () => {
      bar.stop();
    },
  };
}
