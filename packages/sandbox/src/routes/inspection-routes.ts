/**
 * @module routes/inspection-routes
 * `/__sandbox/...`: read what the sandbox received, report Pinterest Tag events from a browser
 * test, inject faults and ramp the events endpoint down. Outside `/v5`, so no Pinterest client can
 * reach it by accident. Every route answers CORS, so a test page on another origin can use them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_AD_ACCOUNT_ID } from '../constants.js';
import { parseFaultSpec } from '../state/faults.js';
import type { SandboxState } from '../state/sandbox-state.js';

interface FilterQuery {
  ad_account_id?: string;
  event_id?: string;
  include_test?: string;
}

/** Serves `/__sandbox/...` in its own scope with CORS. */
export async function registerInspectionRoutes(
  app: FastifyInstance,
  state: SandboxState,
): Promise<void> {
  // An encapsulated scope, so the CORS hook applies to these routes only.
  await app.register((scope, _options, done) => {
    scope.addHook('onRequest', (request, reply, next) => {
      reply.header('access-control-allow-origin', request.headers.origin ?? '*');
      reply.header('vary', 'origin');
      next();
    });
    scope.options('/__sandbox/*', (_request, reply) =>
      reply
        .code(204)
        .header('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '600')
        .send(),
    );
    registerRecordRoutes(scope, state);
    registerControlRoutes(scope, state);
    done();
  });
}

function registerRecordRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get<{ Querystring: FilterQuery }>('/__sandbox/events', (request) => {
    const {
      ad_account_id: accountId,
      event_id: eventId,
      include_test: includeTest,
    } = request.query;
    const events = state.recorder.events.filter(
      (entry) =>
        (includeTest === 'true' || !entry.test) &&
        (accountId === undefined || entry.ad_account_id === accountId) &&
        (eventId === undefined || (entry.event as { event_id?: unknown }).event_id === eventId),
    );
    return { events };
  });

  app.get<{ Querystring: FilterQuery }>('/__sandbox/calls', (request) => {
    const accountId = request.query.ad_account_id;
    const calls = state.recorder.calls.filter(
      (call) => accountId === undefined || call.ad_account_id === accountId,
    );
    return { calls };
  });

  app.get<{ Querystring: FilterQuery }>('/__sandbox/tag_events', (request) => {
    const accountId = request.query.ad_account_id;
    const tagEvents = state.recorder.tagEvents
      .filter((entry) => accountId === undefined || entry.ad_account_id === accountId)
      .map((entry) => ({
        ad_account_id: entry.ad_account_id,
        tag_id: entry.tag_id,
        received_at: entry.received_at,
        client_ip_address: entry.client_ip_address,
        client_user_agent: entry.client_user_agent,
        page_url: entry.page_url,
        event: entry.event,
      }));
    return { tag_events: tagEvents };
  });

  app.post('/__sandbox/tag_events', (request, reply) => recordTagEvent(state, request, reply));

  app.get('/__sandbox/stats', () => ({
    ...state.recorder.totals,
    stored_events: state.recorder.events.length,
    stored_calls: state.recorder.calls.length,
    active_faults: state.faults.list(state.now()).length,
    ramped_down: state.rampedDown,
  }));
}

function registerControlRoutes(app: FastifyInstance, state: SandboxState): void {
  app.post('/__sandbox/reset', () => {
    state.reset();
    return { reset: true };
  });

  app.post('/__sandbox/faults', (request, reply) => {
    const spec = parseFaultSpec(request.body);
    if (typeof spec === 'string') return reply.code(400).send({ error: spec });
    const id = state.faults.add(spec, state.now());
    return reply.code(201).send({ id, ...spec });
  });

  app.get('/__sandbox/faults', () => ({ faults: state.faults.list(state.now()) }));

  app.delete('/__sandbox/faults', () => {
    state.faults.clear();
    return { cleared: true };
  });

  app.post('/__sandbox/ramp_down', (request, reply) => {
    const on = (request.body as { on?: unknown } | undefined)?.on;
    if (typeof on !== 'boolean') return reply.code(400).send({ error: 'on must be a boolean' });
    state.rampedDown = on;
    return { ramped_down: on };
  });
}

/**
 * Records a Tag event. The body is JSON, sent as `application/json` or as `text/plain`
 * (`navigator.sendBeacon` sends the latter, which needs no CORS preflight).
 */
function recordTagEvent(state: SandboxState, request: FastifyRequest, reply: FastifyReply) {
  const event = readJsonObject(request.body);
  if (!event) return reply.code(400).send({ error: 'the body must be a JSON object' });
  const problem = ['event_name', 'event_id'].find(
    (key) => typeof event[key] !== 'string' || event[key] === '',
  );
  if (problem !== undefined) {
    return reply.code(400).send({ error: `${problem} must be a non-empty string` });
  }

  const target = resolveTagTarget(state, event);
  if (typeof target === 'string') return reply.code(400).send({ error: target });
  const nowMs = state.now();
  const pageUrl = [event['page_url'], event['event_source_url'], request.headers.referer].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  state.recorder.recordTagEvent({
    ad_account_id: target.adAccountId,
    tag_id: target.tagId,
    received_at: new Date(nowMs).toISOString(),
    receivedAtMs: nowMs,
    client_ip_address: request.ip,
    client_user_agent: request.headers['user-agent'] ?? '',
    page_url: pageUrl ?? null,
    event,
  });
  return reply
    .code(201)
    .send({ recorded: true, ad_account_id: target.adAccountId, tag_id: target.tagId });
}

function resolveTagTarget(
  state: SandboxState,
  event: Record<string, unknown>,
): { adAccountId: string; tagId: string } | string {
  const tagId = event['tag_id'];
  const accountId = event['ad_account_id'];
  if (tagId !== undefined && typeof tagId !== 'string') return 'tag_id must be a string';
  if (accountId !== undefined && typeof accountId !== 'string')
    return 'ad_account_id must be a string';

  if (tagId !== undefined) {
    const owner = state.tagOwner(tagId);
    if (!owner) return `tag ${tagId} is not a Tag of any sandbox ad account`;
    if (accountId !== undefined && accountId !== owner.id) {
      return `tag ${tagId} belongs to ad account ${owner.id}, not ${accountId}`;
    }

    return { adAccountId: owner.id, tagId };
  }

  const account = state.account(accountId ?? DEFAULT_AD_ACCOUNT_ID);
  if (!account)
    return `ad account ${accountId ?? DEFAULT_AD_ACCOUNT_ID} is not known to the sandbox`;
  const firstTag = account.tags?.[0];
  if (!firstTag) return `ad account ${account.id} has no Tag`;
  return { adAccountId: account.id, tagId: firstTag.id };
}

function readJsonObject(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}
