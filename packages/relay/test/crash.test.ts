/**
 * Crash safety, in short: three trials of `scripts/crash-trials.js` (the same code as
 * `npm run test:crash`), one per kill moment (during ingest, mid-batch, mid-commit), each
 * SIGKILLing the built relay under load, restarting it on the same SQLite file and letting it
 * drain into a sandbox run by this process.
 */
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

type KillPhase = 'ingest' | 'mid-batch' | 'mid-commit';

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
  phase: KillPhase;
  phaseHit: boolean;
  openCheckoutRequests: number;
  openUpstreamCalls: number;
}

interface CrashTrialsModule {
  KILL_PHASES: KillPhase[];
  runCrashTrial: (options?: {
    killAfterMs?: [number, number];
    phase?: KillPhase;
  }) => Promise<CrashTrialResult>;
}

// A path, not a literal specifier: the script is plain JavaScript without type declarations.
const SCRIPT = fileURLToPath(new URL('../../../scripts/crash-trials.js', import.meta.url));

describe('relay crash safety', () => {
  it('delivers every acknowledged checkout after SIGKILL during ingest, mid-batch and mid-commit', async () => {
    const { KILL_PHASES, runCrashTrial } = (await import(SCRIPT)) as CrashTrialsModule;
    expect(KILL_PHASES).toEqual(['ingest', 'mid-batch', 'mid-commit']);

    const results: CrashTrialResult[] = [];
    for (const phase of KILL_PHASES) {
      results.push(await runCrashTrial({ phase, killAfterMs: [200, 700] }));
    }

    for (const result of results) {
      expect(result.phaseHit).toBe(true);
      expect(result.acknowledged).toBeGreaterThan(0);
      expect(result.drained).toBe(true);
      expect(result.lostIds).toEqual([]);
      expect(result.lost).toBe(0);
      expect(result.unexplainedDuplicates).toBe(0);
      expect(result.exitCode).toBe(0);
    }

    const [ingest, midBatch] = results;
    // The kills landed where they were aimed: clients were mid-request, a batch was upstream.
    expect(ingest?.openCheckoutRequests).toBeGreaterThan(0);
    expect(midBatch?.openUpstreamCalls).toBeGreaterThan(0);
    expect(midBatch?.inFlightAtKill).toBeGreaterThan(0);
  }, 150_000);
});
