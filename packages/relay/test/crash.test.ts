/**
 * Crash safety, in short: two trials of `scripts/crash-trials.js` (the same code as
 * `npm run test:crash`), each SIGKILLing the built relay mid-batch under load, restarting it on the
 * same SQLite file and letting it drain into a sandbox run by this process.
 */
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

interface CrashTrialResult {
  acknowledged: number;
  lost: number;
  lostIds: string[];
  duplicates: number;
  unexplainedDuplicates: number;
  inFlightAtKill: number;
  unacknowledgedDelivered: number;
  killAfterMs: number;
  drained: boolean;
  exitCode: number | null;
}

interface CrashTrialsModule {
  runCrashTrial: (options?: { killAfterMs?: [number, number] }) => Promise<CrashTrialResult>;
}

// A path, not a literal specifier: the script is plain JavaScript without type declarations.
const SCRIPT = fileURLToPath(new URL('../../../scripts/crash-trials.js', import.meta.url));

describe('relay crash safety', () => {
  it('delivers every acknowledged checkout after SIGKILL mid-batch and a restart', async () => {
    const { runCrashTrial } = (await import(SCRIPT)) as CrashTrialsModule;

    const results: CrashTrialResult[] = [];
    for (const killAfterMs of [
      [200, 500],
      [500, 1000],
    ] as [number, number][]) {
      results.push(await runCrashTrial({ killAfterMs }));
    }

    for (const result of results) {
      expect(result.acknowledged).toBeGreaterThan(0);
      expect(result.inFlightAtKill).toBeGreaterThan(0);
      expect(result.drained).toBe(true);
      expect(result.lostIds).toEqual([]);
      expect(result.unexplainedDuplicates).toBe(0);
      expect(result.exitCode).toBe(0);
    }
  }, 60_000);
});
