/**
 * @module client/network
 * Small helpers around fetch: reading an answer's body, telling network failures apart, a
 * deadline that reads an answer already waiting before it fires, and waiting between attempts.
 */

/** The parsed JSON body; the raw text if it is not JSON; undefined if it could not be read. */
export async function readBody(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return undefined;
  }

  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
}

// Failures while connecting mean the request never left; anything else (a reset, the other side
// closing) may come after Pinterest read and processed the batch.
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH']);

/**
 * Names a fetch failure by its cause (`ECONNRESET`, `other side closed`...), and says whether the
 * request may have reached the server before it failed.
 */
export function describeNetworkError(error: unknown): { text: string; maybeDelivered: boolean } {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const codeText = typeof code === 'string' ? code : undefined;
  const message =
    cause instanceof Error ? cause.message : error instanceof Error ? error.message : '';
  const parts =
    codeText !== undefined && message.includes(codeText) ? [message] : [codeText, message];
  const text = parts.filter((part) => part !== undefined && part !== '').join(' ');
  return {
    text: text === '' ? 'unknown network error' : text,
    maybeDelivered: codeText === undefined || !NEVER_SENT_CODES.has(codeText),
  };
}

/** Waits `ms`; resolves false at once if `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };

    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A call's deadline: like `AbortSignal.timeout(ms)`, but it yields to input before it fires. The
 * event loop runs due timers before it reads sockets, so after a stall (a long GC pause, a busy
 * handler) a plain timeout fires ahead of an answer already waiting on the socket, and a batch
 * Pinterest processed and answered would be sent again. Here the timer only schedules the abort
 * for the loop's check phase, after that turn's reads; the deadline moves by one turn at most.
 * `clear` must be called once the call has ended.
 *
 * @example
 * const deadline = answerDeadline(15_000);
 * try { await fetch(url, { signal: deadline.signal }); } finally { deadline.clear(); }
 */
export function answerDeadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  let abort: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    abort = setImmediate(() => {
      controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
    });
  }, ms);
  // Like AbortSignal.timeout: a pending deadline alone does not keep the process alive.
  timer.unref();
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      if (abort !== undefined) clearImmediate(abort);
    },
  };
}

/**
 * A signal that aborts when `timeout` or `caller` does. Listeners are removed by `dispose`, so a
 * long-lived caller signal (a service's shutdown signal) does not collect one per call.
 */
export function linkSignals(
  timeout: AbortSignal,
  caller: AbortSignal | undefined,
): { signal: AbortSignal; dispose: () => void } {
  if (caller === undefined) return { signal: timeout, dispose: () => undefined };
  const controller = new AbortController();
  const sources = [timeout, caller];
  const onAbort = (event: Event) => {
    controller.abort((event.target as AbortSignal).reason);
  };

  const dispose = () => {
    for (const source of sources) source.removeEventListener('abort', onAbort);
  };

  for (const source of sources) {
    if (source.aborted) {
      controller.abort(source.reason);
      return { signal: controller.signal, dispose };
    }

    source.addEventListener('abort', onAbort, { once: true });
  }

  return { signal: controller.signal, dispose };
}
