/**
 * @module setup/doctor
 * The checks of `pinterest-capi doctor`, each answering passed or failed with the fix for a
 * failure: the OAuth token and its scopes, the ad account and the role on it, the conversion Tag,
 * a `?test=true` checkout, Event Quality Score, and a relay's readiness and queue.
 *
 * The rules: a check that cannot run because an earlier one failed fails too, saying which one
 * to fix first; the only check ever skipped is the relay's, and only when the caller asks
 * (`--no-relay`). A skipped check does not fail the run; every other check must pass.
 */
import { buildCheckoutEvent } from '@pinterest-capi/sdk';
import type { WireEventsResponse } from '@pinterest-capi/sdk';

import { apiBaseUrl, callApi } from './api.js';
import type { ApiAnswer, ApiTarget } from './api.js';
import { resolveCredentials } from './credentials.js';
import type { Credentials } from './credentials.js';
import { fetchEqs } from './eqs.js';
import { LOGIN_SCOPES } from './oauth.js';
import { pinnedSpecVersion } from './spec.js';

/** What a check found: passed, failed, or skipped on request. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** Stable ids of the checks, for scripts reading `--json`. */
export type CheckId = 'token' | 'ad_account' | 'conversion_tag' | 'test_checkout' | 'eqs' | 'relay';

/** One line of the checklist. */
export interface DoctorCheck {
  id: CheckId;
  name: string;
  status: CheckStatus;
  /** What was found. Never a token or PII. */
  detail: string;
  /** What to do about a failure. */
  fix?: string | undefined;
}

/** The whole checklist, with what it found on the way (Tag id and snippet). */
export interface DoctorReport {
  specVersion: string;
  apiBaseUrl: string;
  adAccountId: string | null;
  tagId: string | null;
  /** The Tag's base code as Pinterest gives it, to load it on the store's pages; null if none. */
  tagSnippet: string | null;
  checks: DoctorCheck[];
  /** True when no check failed. */
  ok: boolean;
}

/** What doctor looks at. */
export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  /** @default PINTEREST_AD_ACCOUNT_ID */
  adAccountId?: string | undefined;
  /** A relay's origin, whose `/readyz` and `/metrics` are read; undefined skips the check. */
  relayUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
}

/** Roles that may send conversions for an ad account (besides owning it). */
const SENDING_ROLES = new Set([
  'OWNER',
  'ADMIN',
  'ANALYST',
  'AUDIENCE_MANAGER',
  'CAMPAIGN_MANAGER',
]);

interface Context {
  target: ApiTarget;
  credentials: Credentials;
  /** The token for reads: the stored OAuth token, else PINTEREST_ACCESS_TOKEN. */
  reader: string | undefined;
  user: string | undefined;
  adAccountId: string | undefined;
  report: DoctorReport;
}

/**
 * Runs every check in order; later checks that need something an earlier one could not provide
 * fail with a pointer to that one.
 * @example
 * const report = await runDoctor({ env: process.env });
 * process.exitCode = report.ok ? 0 : 1;
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const target = { baseUrl: apiBaseUrl(options.env), fetch: options.fetch };
  const credentials = await resolveCredentials(
    options.env,
    options.fetch ? { fetch: options.fetch } : {},
  );
  const adAccountId = options.adAccountId ?? (options.env['PINTEREST_AD_ACCOUNT_ID'] || undefined);
  const context: Context = {
    target,
    credentials,
    reader: credentials.oauth?.accessToken ?? options.env['PINTEREST_ACCESS_TOKEN'],
    user: undefined,
    adAccountId,
    report: {
      specVersion: pinnedSpecVersion(),
      apiBaseUrl: target.baseUrl,
      adAccountId: adAccountId ?? null,
      tagId: null,
      tagSnippet: null,
      checks: [],
      ok: false,
    },
  };

  const checks = context.report.checks;
  checks.push(await checkToken(context));
  checks.push(await checkAdAccount(context));
  checks.push(await checkTag(context, options.env['PINTEREST_TAG_ID'] || undefined));
  checks.push(await checkTestCheckout(context));
  checks.push(await checkEqs(context));
  checks.push(
    options.relayUrl === undefined
      ? { id: 'relay', name: RELAY_CHECK, status: 'skip', detail: 'skipped (--no-relay)' }
      : await checkRelay(context, options.relayUrl),
  );
  context.report.ok = checks.every((check) => check.status !== 'fail');
  return context.report;
}

const LOGIN_FIX =
  'run pinterest-capi auth login (with PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET set)';
const RELAY_CHECK = 'relay reachable, queue healthy';

/**
 * An undelivered event older than this means delivery is stuck: a quarter of the hour after which
 * Pinterest counts an event as offline (facts §4.1), so the alarm comes while there is time.
 */
const STUCK_AFTER_SECONDS = 15 * 60;

function pass(id: CheckId, name: string, detail: string): DoctorCheck {
  return { id, name, status: 'pass', detail };
}

function fail(id: CheckId, name: string, detail: string, fix: string): DoctorCheck {
  return { id, name, status: 'fail', detail, fix };
}

/** A check that cannot run until an earlier one passes. */
function needs(id: CheckId, name: string, what: string): DoctorCheck {
  return fail(id, name, `not checked: needs ${what}`, 'fix the checks above first');
}

async function checkToken(context: Context): Promise<DoctorCheck> {
  const name = 'OAuth token and scopes';
  const { oauth, problem, file } = context.credentials;
  if (!context.reader) {
    return fail('token', name, problem ?? `no token: ${file} does not exist`, LOGIN_FIX);
  }

  const answer = await callApi<{ username?: string }>(context.target, {
    path: '/user_account',
    token: context.reader,
  });
  if (answer.status !== 200) {
    const source = oauth ? `the OAuth token in ${file}` : 'PINTEREST_ACCESS_TOKEN';
    const fix = oauth
      ? `${LOGIN_FIX} again: the stored token was refused`
      : `a conversion token only sends events; for the other checks ${LOGIN_FIX}`;
    const why = problem ? `; stored tokens set aside: ${problem}` : '';
    const detail = `${source} cannot read the user account (${describeAnswer(answer)})${why}`;
    return fail('token', name, detail, fix);
  }

  context.user = answer.body?.username;
  const missing = oauth ? LOGIN_SCOPES.filter((scope) => !oauth.scopes.includes(scope)) : [];
  const scopes = oauth ? oauth.scopes.join(', ') : 'unknown (token from PINTEREST_ACCESS_TOKEN)';
  const who = `valid for ${context.user ?? 'an unnamed user'}; scopes ${scopes}`;
  if (missing.length === 0) return pass('token', name, who);
  const fix = `${LOGIN_FIX} again and approve every scope (${LOGIN_SCOPES.join(', ')})`;
  return fail('token', name, `${who}; missing ${missing.join(', ')}`, fix);
}

interface AdAccount {
  id: string;
  name?: string;
  owner?: { username?: string };
  permissions?: string[];
}

async function checkAdAccount(context: Context): Promise<DoctorCheck> {
  const name = 'ad account and role';
  if (!context.reader) return needs('ad_account', name, 'a token (see the first check)');
  if (context.adAccountId === undefined) return listAccounts(context, name);

  const answer = await callApi<AdAccount>(context.target, {
    path: `/ad_accounts/${encodeURIComponent(context.adAccountId)}`,
    token: context.reader,
  });
  if (answer.status !== 200 || !answer.body) {
    const fix =
      'ask the ad account owner for Business Access (Admin, Analyst, Audience or Campaign role), ' +
      'or set PINTEREST_AD_ACCOUNT_ID to an account the token can see (doctor lists them when ' +
      'PINTEREST_AD_ACCOUNT_ID is unset)';
    const detail = `${context.adAccountId} is not visible (${describeAnswer(answer)})`;
    return fail('ad_account', name, detail, fix);
  }

  return judgeRole(name, answer.body, context.user);
}

function judgeRole(name: string, account: AdAccount, user: string | undefined): DoctorCheck {
  const roles = account.permissions ?? [];
  const owns = user !== undefined && account.owner?.username === user;
  const label = `${account.id}${account.name ? ` (${account.name})` : ''}`;
  if (owns || roles.some((role) => SENDING_ROLES.has(role))) {
    return pass('ad_account', name, `${label}; ${owns ? 'owner' : `roles ${roles.join(', ')}`}`);
  }

  return fail(
    'ad_account',
    name,
    `${label}; roles ${roles.join(', ') || 'none'} do not allow sending conversions`,
    'ask the owner for the Admin, Analyst, Audience or Campaign role on this ad account',
  );
}

async function listAccounts(context: Context, name: string): Promise<DoctorCheck> {
  const answer = await callApi<{ items?: AdAccount[] }>(context.target, {
    path: '/ad_accounts?page_size=250&include_shared_accounts=true',
    token: context.reader ?? '',
  });
  const items = answer.body?.items ?? [];
  const listed = items.map((item) => `${item.id}${item.name ? ` (${item.name})` : ''}`);
  const first = items[0];
  const detail =
    answer.status !== 200
      ? `no ad account configured, and the list cannot be read (${describeAnswer(answer)})`
      : `no ad account configured; the token sees: ${listed.join(', ') || 'none'}`;
  const fix = first
    ? `set PINTEREST_AD_ACCOUNT_ID=${first.id} (or another listed one), or pass --ad-account`
    : 'set PINTEREST_AD_ACCOUNT_ID to your ad account id (Ads Manager URL ads.pinterest.com/advertiser/<id>/)';
  return fail('ad_account', name, detail, fix);
}

interface ConversionTag {
  id: string;
  name?: string;
  status?: string;
  code_snippet?: string | null;
  last_fired_time_ms?: number | null;
}

async function checkTag(context: Context, wanted: string | undefined): Promise<DoctorCheck> {
  const name = 'conversion Tag';
  if (!context.reader || context.adAccountId === undefined) {
    return needs('conversion_tag', name, 'a token and an ad account (see above)');
  }

  const answer = await callApi<{ items?: ConversionTag[] }>(context.target, {
    path: `/ad_accounts/${encodeURIComponent(context.adAccountId)}/conversion_tags`,
    token: context.reader,
  });
  if (answer.status !== 200) {
    const detail = `cannot list Tags (${describeAnswer(answer)})`;
    return fail('conversion_tag', name, detail, LOGIN_FIX);
  }

  const tags = (answer.body?.items ?? []).filter((tag) => tag.status !== 'DELETED');
  const tag = wanted === undefined ? tags[0] : tags.find((each) => each.id === wanted);
  if (!tag) return missingTag(name, { wanted, tags });

  context.report.tagId = tag.id;
  // Pinterest's own base code; without it, Ads Manager shows it (Conversions > Tag manager).
  context.report.tagSnippet = tag.code_snippet || null;
  const fired = tag.last_fired_time_ms
    ? `last fired ${new Date(tag.last_fired_time_ms).toISOString()}`
    : 'not fired yet';
  const label = tag.name ? ` (${tag.name})` : '';
  return pass('conversion_tag', name, `Tag id ${tag.id}${label}; ${fired}`);
}

function missingTag(
  name: string,
  found: { wanted: string | undefined; tags: ConversionTag[] },
): DoctorCheck {
  const ids = found.tags.map((tag) => tag.id).join(', ');
  if (found.wanted !== undefined) {
    return fail(
      'conversion_tag',
      name,
      `PINTEREST_TAG_ID ${found.wanted} is not a Tag of this ad account (it has: ${ids || 'none'})`,
      ids ? `set PINTEREST_TAG_ID=${found.tags[0]?.id ?? ''}` : 'unset PINTEREST_TAG_ID',
    );
  }

  return fail(
    'conversion_tag',
    name,
    'the ad account has no conversion Tag',
    'create one in Ads Manager: Conversions > Tag manager > Set up Tag',
  );
}

async function checkTestCheckout(context: Context): Promise<DoctorCheck> {
  const name = 'test checkout (?test=true)';
  const send = context.credentials.send;
  if (!send) {
    return fail(
      'test_checkout',
      name,
      'no token to send with',
      'set PINTEREST_ACCESS_TOKEN to a conversion token from Ads Manager (Conversions > Conversions API)',
    );
  }

  if (context.adAccountId === undefined) {
    return needs('test_checkout', name, 'an ad account (see above)');
  }

  const answer = await callApi<WireEventsResponse>(context.target, {
    method: 'POST',
    path: `/ad_accounts/${encodeURIComponent(context.adAccountId)}/events?test=true`,
    token: send.token,
    body: { data: [doctorCheckout()] },
  });
  const result = answer.body?.events[0];
  if (answer.status === 200 && result?.status === 'processed') {
    const warning = result.warning_message ? `; warning: ${result.warning_message}` : '';
    return pass('test_checkout', name, `accepted with the token from ${send.source}${warning}`);
  }

  const reason = result?.error_message ?? describeAnswer(answer);
  const detail = `refused, token from ${send.source}: ${reason}`;
  return fail('test_checkout', name, detail, sendFix(answer.status, send.source));
}

/** A checkout with made-up identifiers; test mode records nothing. */
function doctorCheckout() {
  return buildCheckoutEvent({
    order_id: `doctor-${Date.now()}`,
    value: '1.00',
    currency: 'USD',
    email: 'doctor-check@example.com',
    ip: '192.0.2.10',
    user_agent: 'pinterest-capi doctor',
  });
}

function sendFix(status: number, source: string): string {
  if (status === 401) {
    return source === 'PINTEREST_ACCESS_TOKEN'
      ? 'PINTEREST_ACCESS_TOKEN is not accepted: generate a new conversion token in Ads Manager ' +
          '(Conversions > Conversions API) or run pinterest-capi auth conversion-token'
      : 'the stored token is not accepted: run pinterest-capi auth login, then auth conversion-token';
  }

  if (status === 403) return "the token's user has no access to this ad account: pick another one";
  if (status === 0) return 'Pinterest is unreachable: check the network and PINTEREST_API_BASE_URL';
  return 'see the message above; docs/errors.md lists the codes';
}

async function checkEqs(context: Context): Promise<DoctorCheck> {
  const name = 'Event Quality Score readable';
  if (!context.reader || context.adAccountId === undefined) {
    return needs('eqs', name, 'a token and an ad account (see above)');
  }

  const answer = await fetchEqs(context.target, {
    token: context.reader,
    adAccountId: context.adAccountId,
    lookback: '14d',
  });
  if (answer.status !== 200) {
    return fail(
      'eqs',
      name,
      `cannot read EQS (${describeAnswer(answer)})`,
      `EQS needs an OAuth token with ads:read, not a conversion token: ${LOGIN_FIX}`,
    );
  }

  // The token was accepted, which is what this check asks; a body that is no list reads as empty.
  const summary = (answer.body ?? [])
    .map(
      (item) =>
        `${item.ingestion_source ?? '?'}/${item.source_platform ?? '?'} ${item.overall_status ?? '?'}`,
    )
    .join(', ');
  return pass('eqs', name, summary ? `14d: ${summary}` : 'readable; no events in the last 14 days');
}

interface Readiness {
  status?: string;
  mode?: string;
  accounts?: { adAccountId?: string; paused?: unknown }[];
}

async function checkRelay(context: Context, relayUrl: string): Promise<DoctorCheck> {
  const target = { baseUrl: relayUrl.replace(/\/+$/, ''), fetch: context.target.fetch };
  const ready = await callApi<Readiness>(target, { path: '/readyz', token: '' });
  if (ready.status === 0) {
    const detail = `${relayUrl} unreachable (${ready.error ?? 'no answer'})`;
    const fix = 'start it with pinterest-capi serve, pass --relay URL, or --no-relay to skip';
    return fail('relay', RELAY_CHECK, detail, fix);
  }

  const problem = readinessProblem(ready, context.adAccountId);
  if (problem !== undefined)
    return fail('relay', RELAY_CHECK, `${relayUrl} ${problem.detail}`, problem.fix);
  const queue = await readQueueMetrics(target);
  if (!queue) {
    const fix = 'check that --relay points at a pinterest-capi relay';
    return fail('relay', RELAY_CHECK, `${relayUrl}/metrics cannot be read`, fix);
  }

  const detail = `${relayUrl} ready; ${describeQueue(queue)}`;
  if (queue.oldestPendingSeconds < STUCK_AFTER_SECONDS) return pass('relay', RELAY_CHECK, detail);
  const fix =
    'deliveries are stuck: see pinterest-capi status and the relay log (events sent over an ' +
    'hour late count as offline and escape Tag deduplication)';
  return fail('relay', RELAY_CHECK, detail, fix);
}

function readinessProblem(
  ready: ApiAnswer<Readiness>,
  adAccountId: string | undefined,
): { detail: string; fix: string } | undefined {
  const body = ready.body;
  const status = body?.status ?? `HTTP ${ready.status}`;
  const paused = (body?.accounts ?? []).filter((account) => account.paused !== false);
  if (ready.status !== 200 || status !== 'ready') {
    const which = paused.map((account) => account.adAccountId ?? '?').join(', ');
    return {
      detail: `${status}${which ? `; paused: ${which}` : ''}`,
      fix: 'see the relay log and pinterest-capi status; a paused account resumes when its credentials are fixed',
    };
  }

  if (body?.mode === 'sandbox') {
    return {
      detail: 'runs in sandbox mode: it sends nothing to Pinterest',
      fix: 'start serve with PINTEREST_ACCESS_TOKEN, PINTEREST_AD_ACCOUNT_ID and RELAY_API_KEYS set',
    };
  }

  const served = (body?.accounts ?? []).map((account) => account.adAccountId);
  if (adAccountId !== undefined && !served.includes(adAccountId)) {
    return {
      detail: `does not serve ad account ${adAccountId} (it serves: ${served.join(', ') || 'none'})`,
      fix: 'point --relay at the relay of this ad account, or add it to the relay configuration',
    };
  }

  return undefined;
}

/** The queue as the relay's `/metrics` reports it. */
interface QueueMetrics {
  byState: Record<string, number>;
  oldestPendingSeconds: number;
}

async function readQueueMetrics(target: ApiTarget): Promise<QueueMetrics | undefined> {
  const doFetch = target.fetch ?? fetch;
  let text: string;

  try {
    const response = await doFetch(`${target.baseUrl}/metrics`, {
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }

  const byState: Record<string, number> = {};
  for (const match of text.matchAll(/^pinterest_capi_queue_events\{state="(\w+)"\} (\S+)$/gm)) {
    byState[match[1] ?? ''] = Number(match[2]);
  }

  const oldest = /^pinterest_capi_oldest_pending_age_seconds (\S+)$/m.exec(text)?.[1];
  if (oldest === undefined) return undefined;
  return { byState, oldestPendingSeconds: Number(oldest) };
}

function describeQueue(queue: QueueMetrics): string {
  const count = (state: string) => queue.byState[state] ?? 0;
  const waiting = count('pending') + count('in_flight');
  const age = Math.round(queue.oldestPendingSeconds);
  return (
    `queue: ${waiting} queued, ${count('failed')} retrying, ${count('dead')} dead, ` +
    `${count('delivered')} delivered; oldest undelivered ${age} s`
  );
}

function describeAnswer(answer: ApiAnswer): string {
  return answer.status === 0
    ? `no answer: ${answer.error ?? 'network error'}`
    : `${answer.status}${answer.error ? ` ${answer.error}` : ''}`;
}
