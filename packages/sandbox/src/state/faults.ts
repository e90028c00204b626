/**
 * @module state/faults
 * Faults injected into the events endpoint through `POST /__sandbox/faults`. Several may be active
 * at once; each ends after its number of calls or its duration, whichever comes first.
 */

/** What a test asks for. At least one of `status`, `latencyMs`, `timeout` or `drop` is needed. */
export interface FaultSpec {
  /** Answer with this HTTP status (400-599) and a Pinterest-shaped body. */
  status?: number;
  /** Share of calls affected, 0..1. @default 1 */
  rate?: number;
  /** Delay before the call is handled (or before the faulty answer). */
  latencyMs?: number;
  /** Never answer: hold the request until the client gives up. */
  timeout?: boolean;
  /** Destroy the connection without answering. */
  drop?: boolean;
  /** Applies to the next N calls only. */
  calls?: number;
  /** Applies for this long from now. */
  durationMs?: number;
  /** `Retry-After` seconds on a 429 fault; `null` sends none. @default 1 */
  retryAfterSeconds?: number | null;
}

/** What happens to one call, once every active fault has been drawn. */
export interface FaultDraw {
  latencyMs: number;
  outcome:
    | { kind: 'status'; status: number; retryAfterSeconds: number | null }
    | { kind: 'timeout' }
    | { kind: 'drop' }
    | undefined;
}

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  remainingCalls: number | undefined;
  expiresAtMs: number | undefined;
}

export class FaultBoard {
  #faults: ActiveFault[] = [];
  #nextId = 1;

  /** Activates a fault and returns its id. */
  add(spec: FaultSpec, nowMs: number): number {
    const id = this.#nextId++;
    this.#faults.push({
      id,
      spec,
      remainingCalls: spec.calls,
      expiresAtMs: spec.durationMs === undefined ? undefined : nowMs + spec.durationMs,
    });
    return id;
  }

  clear(): void {
    this.#faults = [];
  }

  /** The faults still active, for inspection. */
  list(nowMs: number): { id: number; remaining_calls: number | null; expires_at: string | null }[] {
    this.#prune(nowMs);
    return this.#faults.map((fault) => ({
      id: fault.id,
      ...fault.spec,
      remaining_calls: fault.remainingCalls ?? null,
      expires_at:
        fault.expiresAtMs === undefined ? null : new Date(fault.expiresAtMs).toISOString(),
    }));
  }

  /**
   * Draws every active fault for one call. Latencies add up; the first terminal fault (status,
   * timeout, drop) that hits decides the answer. Every active fault counts the call, hit or not.
   */
  draw(nowMs: number, random: () => number): FaultDraw {
    this.#prune(nowMs);
    const draw: FaultDraw = { latencyMs: 0, outcome: undefined };

    for (const fault of this.#faults) {
      if (fault.remainingCalls !== undefined) fault.remainingCalls -= 1;
      if (random() >= (fault.spec.rate ?? 1)) continue;
      draw.latencyMs += fault.spec.latencyMs ?? 0;
      draw.outcome ??= toOutcome(fault.spec);
    }

    return draw;
  }

  #prune(nowMs: number): void {
    this.#faults = this.#faults.filter(
      (fault) =>
        (fault.remainingCalls === undefined || fault.remainingCalls > 0) &&
        (fault.expiresAtMs === undefined || fault.expiresAtMs > nowMs),
    );
  }
}

function toOutcome(spec: FaultSpec): FaultDraw['outcome'] {
  if (spec.drop) return { kind: 'drop' };
  if (spec.timeout) return { kind: 'timeout' };
  if (spec.status === undefined) return undefined;
  const retryAfter = spec.retryAfterSeconds === undefined ? 1 : spec.retryAfterSeconds;
  return { kind: 'status', status: spec.status, retryAfterSeconds: retryAfter };
}

/**
 * Checks a fault request body.
 * @returns the spec, or a message naming the first bad field.
 */
export function parseFaultSpec(body: unknown): FaultSpec | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'the body must be a JSON object';
  }

  const input = body as Record<string, unknown>;
  const known = new Set([
    'status',
    'rate',
    'latencyMs',
    'timeout',
    'drop',
    'calls',
    'durationMs',
    'retryAfterSeconds',
  ]);
  const unknown = Object.keys(input).find((key) => !known.has(key));
  if (unknown !== undefined) return `unknown property '${unknown}'`;
  const problem = findFaultProblem(input);
  if (problem !== undefined) return problem;
  return input;
}

function findFaultProblem(input: Record<string, unknown>): string | undefined {
  const isInt = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
    value === undefined ||
    (Number.isInteger(value) && Number(value) >= min && Number(value) <= max);
  const isFlag = (value: unknown) => value === undefined || typeof value === 'boolean';
  const rate = input['rate'];

  if (!isInt(input['status'], 400, 599)) return 'status must be an integer from 400 to 599';
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) {
    return 'rate must be a number from 0 to 1';
  }

  if (!isInt(input['latencyMs'], 0)) return 'latencyMs must be a non-negative integer';
  if (!isInt(input['calls'], 1)) return 'calls must be a positive integer';
  if (!isInt(input['durationMs'], 1)) return 'durationMs must be a positive integer';
  if (!isFlag(input['timeout']) || !isFlag(input['drop']))
    return 'timeout and drop must be booleans';
  if (input['retryAfterSeconds'] !== null && !isInt(input['retryAfterSeconds'], 0)) {
    return 'retryAfterSeconds must be a non-negative integer or null';
  }

  const acts =
    input['status'] !== undefined ||
    input['latencyMs'] !== undefined ||
    input['timeout'] === true ||
    input['drop'] === true;
  return acts ? undefined : 'a fault needs status, latencyMs, timeout: true or drop: true';
}
