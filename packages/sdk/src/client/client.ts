/**
 * @module client/client
 * The Conversions API client: prepares events, splits them into batches of at most 1,000, paces
 * calls per ad account, retries what can be retried, and reports what became of every event.
 */

import { EventEmitter } from 'node:events';
import { prepareEvent } from '../build/prepare-event.js';
import type { EventInput } from '../build/prepare-event.js';
import {
  CapiError,
  NetworkError,
  NormalizationError,
  TimeoutError,
  ValidationError,
  errorFromResponse,
  isCapiError,
} from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import type { WireEvent, WireEventsRequest } from '../wire.js';
import { chunkEvents } from './batch.js';
import type { ClientEvents, RetryEvent } from './events.js';
import { answerDeadline, describeNetworkError, linkSignals, readBody, sleep } from './network.js';
import { resolveClientOptions } from './options.js';
import type { ClientOptions, ResolvedClientOptions } from './options.js';
import { notSent, outcomesFromAnswer, summarize } from './outcomes.js';
import type { EventOutcome, PendingEvent, SendResult } from './outcomes.js';
import { nextDelayMs, parseRetryAfter, shouldRetry } from './retry-policy.js';
import type { CallFailure } from './retry-policy.js';

export type { ClientOptions } from './options.js';
export type { EventOutcome, SendResult } from './outcomes.js';
export type {
  BatchErrorEvent,
  ClientEvents,
  RequestEvent,
  ResponseEvent,
  RetryEvent,
  RetryReason,
} from './events.js';

/** Options of one `send` or `sendPrepared` call. */
export interface SendOptions {
  /** Overrides the client's `test` for this call: `?test=true`, nothing recorded. */
  test?: boolean;
  /** Build the request bodies and return them in `bodies`; make no call. @default false */
  dryRun?: boolean;
  /** Stops waiting and sending; batches not yet answered end `not_sent` (`CAPI_ERR_ABORTED`). */
  signal?: AbortSignal;
}

/** One batch on its way, with what every attempt needs. */
interface BatchCall {
  batch: PendingEvent<WireEvent>[];
  body: string;
  url: string;
  /** Method, URL and batch size, for error messages. Never the token. */
  what: string;
  test: boolean;
  signal: AbortSignal | undefined;
  /** HTTP calls made so far for this batch. */
  calls: number;
}

/** How one attempt ended. `failure` undefined means: do not retry. */
type AttemptResult =
  | { kind: 'answered'; outcomes: EventOutcome[] }
  | {
      kind: 'failed';
      error: CapiError;
      failure: CallFailure | undefined;
      retryAfterMs?: number | undefined;
      possibleDuplicate: boolean;
    };

/** What came back from the network for one call. */
type Exchange =
  | { kind: 'response'; response: Response; body: unknown; durationMs: number }
  | { kind: 'no_answer'; result: AttemptResult };

/**
 * Sends conversion events to one ad account. `send` hashes, validates and delivers raw events;
 * `sendPrepared` delivers wire events as they are. Both resolve, never reject for a failed call:
 * each event's fate is in the result's `outcomes`.
 *
 * @throws CapiError `CAPI_ERR_CLIENT_OPTIONS` from the constructor when an option is invalid.
 * @example
 * const client = new ConversionsClient({ adAccountId: '549755885175', accessToken: token });
 * client.on('retry', (retry) => log.warn(retry, 'capi retry'));
 * const result = await client.send([checkoutEvent]);
 * if (result.failed > 0) console.error(result.outcomes.filter((o) => o.status === 'failed'));
 */
export class ConversionsClient extends EventEmitter<ClientEvents> {
  readonly #options: ResolvedClientOptions;

  constructor(options: ClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
  }

  /** The ad account this client sends to. */
  get adAccountId(): string {
    return this.#options.adAccountId;
  }

  /**
   * Prepares each event (normalizes and hashes `user_data`, formats values, validates), then sends
   * the valid ones in batches of at most 1,000. Invalid events end `rejected` and are not sent.
   */
  async send(events: readonly EventInput[], options: SendOptions = {}): Promise<SendResult> {
    const pending: PendingEvent<WireEvent>[] = [];
    const rejected: EventOutcome[] = [];
    events.forEach((input, index) => {
      const eventId = readEventId(input);
      const prepared = this.#prepare(input);
      if ('issues' in prepared) rejected.push({ index, eventId, status: 'rejected', ...prepared });
      else pending.push({ index, eventId: readEventId(prepared.event), event: prepared.event });
    });

    return this.#run(pending, rejected, options);
  }

  /**
   * Sends wire events as they are: `user_data` already hashed, values already formatted. Nothing
   * is validated locally, so Pinterest's verdict lands in the outcomes.
   */
  async sendPrepared(events: readonly WireEvent[], options: SendOptions = {}): Promise<SendResult> {
    const pending = events.map((event, index) => ({ index, eventId: readEventId(event), event }));
    return this.#run(pending, [], options);
  }

  #prepare(input: EventInput): { event: WireEvent } | { issues: readonly ValidationIssue[] } {
    try {
      return { event: prepareEvent(input, this.#options.prepare) };
    } catch (error) {
      if (error instanceof ValidationError) return { issues: error.issues };
      if (error instanceof NormalizationError) {
        return { issues: [{ path: error.field, rule: error.rule, message: error.message }] };
      }

      throw error;
    }
  }

  async #run(
    pending: PendingEvent<WireEvent>[],
    rejected: EventOutcome[],
    options: SendOptions,
  ): Promise<SendResult> {
    if (options.dryRun === true) {
      const bodies = chunkEvents(pending).map((batch) => requestBody(batch));
      const dry = pending.map(({ index, eventId }): EventOutcome => ({
        index,
        eventId,
        status: 'dry_run',
      }));
      return { ...summarize([...rejected, ...dry], 0), bodies };
    }

    const sent = await this.#deliver(pending, options);
    return summarize([...rejected, ...sent.outcomes], sent.calls);
  }

  /** Sends the batches, at most `concurrency` at a time. */
  async #deliver(
    pending: PendingEvent<WireEvent>[],
    options: SendOptions,
  ): Promise<{ outcomes: EventOutcome[]; calls: number }> {
    const batches = chunkEvents(pending);
    const outcomes: EventOutcome[] = [];
    let calls = 0;
    let next = 0;
    const worker = async () => {
      for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
        const done = await this.#deliverBatch(this.#batchCall(batch, options));
        outcomes.push(...done.outcomes);
        calls += done.calls;
      }
    };

    const workers = Math.min(this.#options.concurrency, batches.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return { outcomes, calls };
  }

  #batchCall(batch: PendingEvent<WireEvent>[], options: SendOptions): BatchCall {
    const { baseUrl, adAccountId } = this.#options;
    const test = options.test ?? this.#options.test;
    const url = `${baseUrl}/ad_accounts/${adAccountId}/events${test ? '?test=true' : ''}`;
    const shown = new URL(url);
    const size = `${batch.length} event${batch.length === 1 ? '' : 's'}`;
    const what = `POST ${shown.origin}${shown.pathname}${shown.search} (${size})`;
    const body = JSON.stringify(requestBody(batch));
    return { batch, body, url, what, test, signal: options.signal, calls: 0 };
  }

  /** Tries one batch until it is answered, fails for good, or runs out of attempts. */
  async #deliverBatch(call: BatchCall): Promise<{ outcomes: EventOutcome[]; calls: number }> {
    const { adAccountId, maxAttempts } = this.#options;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(call, attempt);
      if (result.kind === 'answered') return { outcomes: result.outcomes, calls: call.calls };
      if (result.failure === undefined || !shouldRetry(result.failure, attempt, maxAttempts)) {
        return { outcomes: this.#giveUp(call, result.error), calls: call.calls };
      }

      const delayMs = nextDelayMs(attempt, {
        baseMs: this.#options.retryBaseMs,
        maxMs: this.#options.retryMaxMs,
        retryAfterMs: result.retryAfterMs,
        random: this.#options.random,
      });
      this.emit('retry', retryEvent({ adAccountId, attempt, delayMs }, result.failure, result));

      if (!(await sleep(delayMs, call.signal))) {
        return { outcomes: this.#giveUp(call, abortedError(call)), calls: call.calls };
      }
    }
  }

  #giveUp(call: BatchCall, error: CapiError): EventOutcome[] {
    if (this.listenerCount('error') > 0) {
      const { adAccountId } = this.#options;
      this.emit('error', { adAccountId, attempts: call.calls, events: call.batch.length, error });
    }

    return notSent(call.batch, error);
  }

  /** One call: wait for a slot, POST, and read what came back. */
  async #attempt(call: BatchCall, attempt: number): Promise<AttemptResult> {
    const { adAccountId, pacer } = this.#options;
    try {
      await pacer.acquire(adAccountId, call.signal);
    } catch (error) {
      return this.#noSlot(call, error);
    }

    this.emit('request', { adAccountId, attempt, events: call.batch.length, test: call.test });
    const exchange = await this.#exchange(call);
    if (exchange.kind === 'no_answer') return exchange.result;

    const result = interpret(call, exchange);
    const outcomes = result.kind === 'answered' ? result.outcomes : [];
    this.emit('response', {
      adAccountId,
      attempt,
      status: exchange.response.status,
      durationMs: exchange.durationMs,
      processed: outcomes.filter((outcome) => outcome.status === 'processed').length,
      failed: outcomes.filter((outcome) => outcome.status === 'failed').length,
    });
    return result;
  }

  async #exchange(call: BatchCall): Promise<Exchange> {
    const deadline = answerDeadline(this.#options.timeoutMs);
    const linked = linkSignals(deadline.signal, call.signal);
    const started = performance.now();
    call.calls += 1;
    try {
      const response = await this.#options.fetch(call.url, {
        method: 'POST',
        headers: this.#headers(),
        body: call.body,
        signal: linked.signal,
      });
      // The answer's status is known from here on: even if its body cannot be read, the batch
      // reached Pinterest and must not be treated as unsent.
      const body = await readBody(response);
      const durationMs = Math.round(performance.now() - started);
      return { kind: 'response', response, body, durationMs };
    } catch (error) {
      return { kind: 'no_answer', result: this.#noAnswer(call, error, deadline.signal) };
    } finally {
      linked.dispose();
      deadline.clear();
    }
  }

  #headers(): Record<string, string> {
    return {
      Authorization: `Bearer ${this.#options.accessToken}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': this.#options.userAgent,
    };
  }

  // CallPacer rejects only when the caller aborts; a custom pacer may fail on its own (its store
  // is down). Either way the batch is not sent, and not retried here.
  #noSlot(call: BatchCall, error: unknown): AttemptResult {
    if (call.signal?.aborted === true || !(error instanceof Error)) return abortedResult(call);
    const failed = isCapiError(error)
      ? error
      : new CapiError('CAPI_ERR_ABORTED', `${call.what} got no call slot: ${error.message}`, {
          cause: error,
        });
    return { kind: 'failed', error: failed, failure: undefined, possibleDuplicate: false };
  }

  #noAnswer(call: BatchCall, error: unknown, timeout: AbortSignal): AttemptResult {
    if (call.signal?.aborted === true) return abortedResult(call);

    if (timeout.aborted) {
      const message =
        `${call.what} got no answer within ${this.#options.timeoutMs} ms; ` +
        'Pinterest may have processed it';
      return {
        kind: 'failed',
        error: new TimeoutError(message, error),
        failure: { kind: 'timeout' },
        possibleDuplicate: true,
      };
    }

    const detail = describeNetworkError(error);
    return {
      kind: 'failed',
      error: new NetworkError(`${call.what} failed before an answer: ${detail.text}`, error),
      failure: { kind: 'network' },
      possibleDuplicate: detail.maybeDelivered,
    };
  }
}

function requestBody(batch: readonly PendingEvent<WireEvent>[]): WireEventsRequest {
  return { data: batch.map(({ event }) => event) };
}

function readEventId(event: unknown): string | undefined {
  const id = (event as { event_id?: unknown } | null)?.event_id;
  return typeof id === 'string' ? id : undefined;
}

/** Turns an HTTP answer into outcomes (200, 422) or a failure to retry or give up on. */
function interpret(call: BatchCall, exchange: Exchange & { kind: 'response' }): AttemptResult {
  const { response, body } = exchange;
  const { status } = response;
  // 422 is a per-event answer, like 200: some events were processed, so it is final.
  if (response.ok || status === 422) {
    return {
      kind: 'answered',
      outcomes: outcomesFromAnswer(response.ok ? 200 : 422, body, call.batch),
    };
  }

  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  const error = errorFromResponse(status, body, {
    what: call.what,
    requestId: requestIdOf(response),
    retryAfterMs,
  });
  // 429 and 503 ("ramped down") are refusals; another 5xx may come after the work was done.
  const possibleDuplicate = status >= 500 && status !== 503;
  return {
    kind: 'failed',
    error,
    failure: { kind: 'status', status },
    retryAfterMs,
    possibleDuplicate,
  };
}

// Pinterest names its request id x-pinterest-rid (pinterest/api-quickstart#97); proxies and
// stand-ins often use the generic header.
function requestIdOf(response: Response): string | undefined {
  const { headers } = response;
  return headers.get('x-pinterest-rid') ?? headers.get('x-request-id') ?? undefined;
}

function retryEvent(
  base: { adAccountId: string; attempt: number; delayMs: number },
  failure: CallFailure,
  result: { possibleDuplicate: boolean },
): RetryEvent {
  const { possibleDuplicate } = result;
  if (failure.kind !== 'status') return { ...base, reason: failure.kind, possibleDuplicate };
  const reason = failure.status === 429 ? 'rate_limited' : 'server_error';
  return { ...base, reason, status: failure.status, possibleDuplicate };
}

function abortedResult(call: BatchCall): AttemptResult {
  return {
    kind: 'failed',
    error: abortedError(call),
    failure: undefined,
    possibleDuplicate: false,
  };
}

function abortedError(call: BatchCall): CapiError {
  return new CapiError('CAPI_ERR_ABORTED', `${call.what} was aborted by the caller`, {
    cause: call.signal?.reason,
  });
}
