/** A command was called wrongly: exit code 2 and a message that names the argument. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes of every command: 0 success, 1 a failure, 2 a usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
