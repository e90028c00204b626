/**
 * @module state/recorder
 * What the sandbox received: events (as sent, never re-serialised), calls, and Tag events reported
 * by browser tests. Arrays only, so recording a batch costs one push per event.
 */

/** One event as `GET /__sandbox/events` shows it (shape fixed by DESIGN.md). */
export interface RecordedEvent {
  ad_account_id: string;
  received_at: string;
  /** Sent with `?test=true`: validated and answered, but not a recorded conversion. */
  test: boolean;
  event: unknown;
}

/** One call to the events endpoint as `GET /__sandbox/calls` shows it. */
export interface RecordedCall {
  ad_account_id: string;
  /**
   * The HTTP status answered; 0 when no answer was sent (a `drop` or `timeout` fault) or the
   * client gave up before it (a call held by latency past the client's timeout).
   */
  status: number;
  num_events: number;
  received_at: string;
  test: boolean;
}

/** A Pinterest Tag event reported through `POST /__sandbox/tag_events`. */
export interface RecordedTagEvent {
  ad_account_id: string;
  tag_id: string;
  received_at: string;
  receivedAtMs: number;
  /** The browser's own address and user agent, which the real Tag always sends. */
  client_ip_address: string;
  client_user_agent: string;
  /** The page the Tag fired on: the event's `page_url`, else the browser's Referer. */
  page_url: string | null;
  event: Record<string, unknown>;
}

export interface RecorderTotals {
  events_recorded: number;
  test_events: number;
  calls: number;
  tag_events: number;
}

export class Recorder {
  #events: RecordedEvent[] = [];
  #calls: RecordedCall[] = [];
  #tagEvents: RecordedTagEvent[] = [];
  #totals: RecorderTotals = { events_recorded: 0, test_events: 0, calls: 0, tag_events: 0 };
  readonly #maxStored: number;

  constructor(options: { maxStored: number }) {
    this.#maxStored = options.maxStored;
  }

  get events(): readonly RecordedEvent[] {
    return this.#events;
  }

  get calls(): readonly RecordedCall[] {
    return this.#calls;
  }

  get tagEvents(): readonly RecordedTagEvent[] {
    return this.#tagEvents;
  }

  get totals(): Readonly<RecorderTotals> {
    return this.#totals;
  }

  recordEvent(entry: RecordedEvent): void {
    this.#events.push(entry);
    if (entry.test) this.#totals.test_events += 1;
    else this.#totals.events_recorded += 1;
  }

  recordCall(call: RecordedCall): void {
    this.#calls.push(call);
    this.#totals.calls += 1;
    this.#trim();
  }

  recordTagEvent(entry: RecordedTagEvent): void {
    this.#tagEvents.push(entry);
    this.#totals.tag_events += 1;
    if (this.#tagEvents.length > this.#maxStored) this.#tagEvents.shift();
  }

  /** Forgets everything received, including the totals. */
  reset(): void {
    this.#events = [];
    this.#calls = [];
    this.#tagEvents = [];
    this.#totals = { events_recorded: 0, test_events: 0, calls: 0, tag_events: 0 };
  }

  // Trimming in slices of a tenth keeps the cost of dropping old entries amortised per call.
  #trim(): void {
    const slack = Math.ceil(this.#maxStored / 10);
    if (this.#events.length > this.#maxStored + slack) {
      this.#events = this.#events.slice(this.#events.length - this.#maxStored);
    }

    if (this.#calls.length > this.#maxStored + slack) {
      this.#calls = this.#calls.slice(this.#calls.length - this.#maxStored);
    }
  }
}
