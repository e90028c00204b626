/**
 * @module routes/events-route
 * `POST /v5/ad_accounts/:ad_account_id/events`. The sandbox checks a call in this order:
 * injected faults, ramp-down (503), token (401), ad account (400/403), rate limit (429), body
 * schema (400 code 4196), then per-event rules answered in `events[]` (200, or 422 code 953).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_CODES } from '../constants.js';
import { authenticate, authorizeAdAccount } from '../http/auth.js';
import { errorForStatus, RAMPED_DOWN, RATE_LIMITED, sendError } from '../http/replies.js';
import type { CheckedBody } from '../rules/event-shape.js';
import { judgeEvent, type EventResult } from '../rules/event-rules.js';
import type { SandboxState } from '../state/sandbox-state.js';

export const EVENTS_PATH = '/v5/ad_accounts/:ad_account_id/events';

interface EventsRequest {
  Params: { ad_account_id: string };
  Querystring: { test?: string };
}

type Exchange = { request: FastifyRequest<EventsRequest>; reply: FastifyReply };

/** When each call arrived, so a call held by latency is still dated by its arrival. */
const arrivals = new WeakMap<object, number>();

/** Calls already in the call log (or kept out of it), so none is recorded twice. */
const logged = new WeakSet<object>();

/** Serves the events endpoint and records every call to it. */
export function registerEventsRoute(app: FastifyInstance, state: SandboxState): void {
  app.post<EventsRequest>(EVENTS_PATH, {
    onRequest: (request, reply, done) => {
      arrivals.set(request.raw, state.now());
      // A client that gives up before the answer (a call held by latency past its timeout) gets
      // none, and Fastify then runs no onResponse: the call is logged here with status 0. Once its
      // body was read the sandbox still processes its events, as Pinterest would; a client gone
      // before that is logged with no events.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) recordCall(state, request, 0);
      });
      done();
    },
    // Every answered call is recorded here, including bodies Fastify itself refused to parse.
    onResponse: (request, reply, done) => {
      recordCall(state, request, reply.statusCode);
      done();
    },
    handler: async (request, reply) => {
      const exchange = { request, reply };
      if (await applyFaults(state, exchange)) return reply;
      if (state.rampedDown) return sendError(reply, 503, RAMPED_DOWN);
      return handleEvents(state, exchange);
    },
  });
}

function handleEvents(state: SandboxState, exchange: Exchange): FastifyReply {
  const { request, reply } = exchange;
  const adAccountId = request.params.ad_account_id;
  const grant = authenticate(state, exchange, { scope: 'ads:write', conversionToken: true });
  if (!grant) return reply;
  const target = { adAccountId, invalidCode: API_CODES.invalidRequest };
  if (!authorizeAdAccount(reply, grant, target)) return reply;

  const slot = state.limiter.tryAcquire(adAccountId, state.now());
  if (!slot.allowed) {
    reply.header('retry-after', String(slot.retryAfterSeconds));
    return sendError(reply, 429, RATE_LIMITED);
  }

  const test = readTestFlag(request.query.test);
  if (test === undefined) return invalidRequest(reply, 'test must be true or false');
  const check = state.checkBody(request.body);
  if (!check.ok) return invalidRequest(reply, check.message);
  const receivedAt = new Date(arrivals.get(request.raw) ?? state.now()).toISOString();
  return answerBatch(state, reply, { adAccountId, test, receivedAt, body: check.body });
}

function answerBatch(
  state: SandboxState,
  reply: FastifyReply,
  batch: { adAccountId: string; test: boolean; receivedAt: string; body: CheckedBody },
): FastifyReply {
  const context = {
    nowSeconds: Math.floor(state.now() / 1000),
    maxEventAgeSeconds: state.config.maxEventAgeSeconds,
  };
  const { receivedAt } = batch;
  const events: EventResult[] = [];
  let processed = 0;

  for (const event of batch.body.data) {
    const result = judgeEvent(event, context);
    events.push(result);
    if (result.status === 'failed') continue;
    processed += 1;
    state.recorder.recordEvent({
      ad_account_id: batch.adAccountId,
      received_at: receivedAt,
      test: batch.test,
      event,
    });
  }

  const answer = { num_events_received: events.length, num_events_processed: processed, events };
  if (processed === events.length) return reply.code(200).send(answer);
  const failed = events.length - processed;
  return reply.code(422).send({
    code: API_CODES.someEventsFailed,
    message: `Not all events were processed: ${failed} of ${events.length} failed; see details.events for each one.`,
    details: answer,
  });
}

/**
 * Applies injected faults.
 * @returns true when a fault answered (or withheld the answer), so the call ends here.
 */
async function applyFaults(state: SandboxState, exchange: Exchange): Promise<boolean> {
  const { request, reply } = exchange;
  const draw = state.faults.draw(state.now(), Math.random);
  if (draw.latencyMs > 0 && !(await state.sleep(draw.latencyMs))) {
    // The sandbox closed or reset while the call was held: end it without an answer, and keep
    // it out of the call log, which the reset has just emptied.
    logged.add(request.raw);
    reply.hijack();
    request.raw.socket.destroy();
    return true;
  }

  const outcome = draw.outcome;
  if (outcome === undefined) return false;

  if (outcome.kind === 'status') {
    if (outcome.status === 429 && outcome.retryAfterSeconds !== null) {
      reply.header('retry-after', String(outcome.retryAfterSeconds));
    }

    sendFaultStatus(reply, outcome.status, countEvents(request.body));
    return true;
  }

  // No answer will be sent: record the call now, since onResponse will not run.
  recordCall(state, request, 0);
  reply.hijack();
  if (outcome.kind === 'drop') request.raw.socket.destroy();
  // A timeout holds the socket open until the client gives up or the sandbox closes.
  return true;
}

function sendFaultStatus(reply: FastifyReply, status: number, numEvents: number): void {
  if (status !== 422) {
    sendError(reply, status, errorForStatus(status));
    return;
  }

  const events = Array.from({ length: numEvents }, () => ({
    status: 'failed',
    error_message: 'Injected fault.',
    warning_message: '',
  }));
  const details = { num_events_received: numEvents, num_events_processed: 0, events };
  reply.code(422).send({ code: API_CODES.someEventsFailed, message: 'Injected fault.', details });
}

function invalidRequest(reply: FastifyReply, message: string): FastifyReply {
  return sendError(reply, 400, { code: API_CODES.invalidRequest, message });
}

function recordCall(state: SandboxState, request: FastifyRequest, status: number): void {
  if (logged.has(request.raw)) return;
  logged.add(request.raw);
  const params = request.params as Partial<EventsRequest['Params']> | undefined;
  const query = request.query as Partial<EventsRequest['Querystring']> | undefined;
  state.recorder.recordCall({
    ad_account_id: params?.ad_account_id ?? '',
    status,
    num_events: countEvents(request.body),
    received_at: new Date(arrivals.get(request.raw) ?? state.now()).toISOString(),
    test: readTestFlag(query?.test) === true,
  });
}

function countEvents(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0;
  const data = (body as { data?: unknown }).data;
  return Array.isArray(data) ? data.length : 0;
}

function readTestFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return undefined;
}
