/**
 * @module setup/doctor
 * The checks of `pinterest-capi doctor`, each answering passed or failed with the fix for a
 * failure: the OAuth token and its scopes, the ad account and the role on it, the conversion Tag,
 * a `?test=true` checkout, Event Quality Score, and optionally a relay's readiness.
 */
import { buildCheckoutEvent } from '@pinterest-capi/sdk';
import type { WireEventsResponse } from '@pinterest-capi/sdk';

import { apiBaseUrl, callApi } from './api.js';
import type { ApiAnswer, ApiTarget } from './api.js';
import { resolveCredentials } from './credentials.js';
import type { Credentials } from './credentials.js';
import { LOGIN_SCOPES } from './oauth.js';
import { pinnedSpecVersion } from './spec.js';

/** One line of the checklist. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found. Never a token or PII. */
  detail: string;
  /** What to do about a failure. */
  fix?: string | undefined;
}

/** The whole checklist. `ok` only when every check passed. */
export interface DoctorReport {
  specVersion: string;
  apiBaseUrl: string;
  adAccountId: string | null;
  tagId: string | null;
  /** The Tag's base code as Pinterest gives it, to load the Tag on the store's pages. */
  tagSnippet: string | null;
  checks: DoctorCheck[];
  ok: boolean;
}

/** What doctor looks at. */
export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  /** @default PINTEREST_AD_ACCOUNT_ID */
  adAccountId?: string | undefined;
  /** A relay's origin; its `/readyz` is checked when given. */
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
  if (options.relayUrl !== undefined)
    checks.push(await checkRelay(options.relayUrl, options.fetch));
  context.report.ok = checks.every((check) => check.ok);
  return context.report;
}

const LOGIN_FIX =
  'run pinterest-capi auth login (with PINTEREST_CLIENT_ID and PINTEREST_CLIENT_SECRET set)';

async function checkToken(context: Context): Promise<DoctorCheck> {
  const name = 'OAuth token and scopes';
  const { oauth, problem, file } = context.credentials;
  if (!context.reader) {
    return {
      name,
      ok: false,
      detail: problem ?? `no token: ${file} does not exist`,
      fix: LOGIN_FIX,
    };
  }

  const answer = await callApi<{ username?: string }>(context.target, {
    path: '/user_account',
    token: context.reader,
  });
  if (answer.status !== 200) {
    const source = oauth ? `the OAuth token in ${file}` : 'PINTEREST_ACCESS_TOKEN';
    return {
      name,
      ok: false,
      detail: `${source} cannot read the user account (${describeAnswer(answer)})`,
      fix: oauth
        ? `${LOGIN_FIX} again: the stored token was refused`
        : `a conversion token only sends events; for the other checks ${LOGIN_FIX}`,
    };
  }

  context.user = answer.body?.username;
  const missing = oauth ? LOGIN_SCOPES.filter((scope) => !oauth.scopes.includes(scope)) : [];
  const scopes = oauth ? oauth.scopes.join(', ') : 'unknown (token from PINTEREST_ACCESS_TOKEN)';
  const who = `valid for ${context.user ?? 'an unnamed user'}; scopes ${scopes}`;
  if (missing.length === 0) return { name, ok: true, detail: who };
  return { name, ok: false, detail: `${who}; missing ${missing.join(', ')}`, fix: LOGIN_FIX };
}

interface AdAccount {
  id: string;
  name?: string;
  owner?: { username?: string };
  permissions?: string[];
}

async function checkAdAccount(context: Context): Promise<DoctorCheck> {
  const name = 'ad account and role';
  if (!context.reader) return needs(name, 'a token (see the first check)');
  if (context.adAccountId === undefined) return listAccounts(context, name);

  const answer = await callApi<AdAccount>(context.target, {
    path: `/ad_accounts/${encodeURIComponent(context.adAccountId)}`,
    token: context.reader,
  });
  if (answer.status !== 200 || !answer.body) {
    const accessFix =
      'ask the ad account owner for Business Access (Admin, Analyst, Audience or Campaign role), ' +
      'or set PINTEREST_AD_ACCOUNT_ID to an account the token can see';
    return {
      name,
      ok: false,
      detail: `${context.adAccountId} is not visible (${describeAnswer(answer)})`,
      fix: accessFix,
    };
  }

  return judgeRole(name, answer.body, context.user);
}

function judgeRole(name: string, account: AdAccount, user: string | undefined): DoctorCheck {
  const roles = account.permissions ?? [];
  const owns = user !== undefined && account.owner?.username === user;
  const label = `${account.id}${account.name ? ` (${account.name})` : ''}`;
  if (owns || roles.some((role) => SENDING_ROLES.has(role))) {
    return { name, ok: true, detail: `${label}; ${owns ? 'owner' : `roles ${roles.join(', ')}`}` };
  }

  return {
    name,
    ok: false,
    detail: `${label}; roles ${roles.join(', ') || 'none'} do not allow sending conversions`,
    fix: 'ask the owner for the Admin, Analyst, Audience or Campaign role on this ad account',
  };
}

async function listAccounts(context: Context, name: string): Promise<DoctorCheck> {
  const answer = await callApi<{ items?: AdAccount[] }>(context.target, {
    path: '/ad_accounts?page_size=250&include_shared_accounts=true',
    token: context.reader ?? '',
  });
  const items = answer.body?.items ?? [];
  const listed = items.map((item) => `${item.id}${item.name ? ` (${item.name})` : ''}`);
  const first = items[0];
  return {
    name,
    ok: false,
    detail:
      answer.status !== 200
        ? `no ad account configured, and the list cannot be read (${describeAnswer(answer)})`
        : `no ad account configured; the token sees: ${listed.join(', ') || 'none'}`,
    fix: first
      ? `set PINTEREST_AD_ACCOUNT_ID=${first.id} (or another listed one), or pass --ad-account`
      : 'set PINTEREST_AD_ACCOUNT_ID to your ad account id (Ads Manager URL ads.pinterest.com/advertiser/<id>/)',
  };
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
    return needs(name, 'a token and an ad account (see above)');
  }

  const answer = await callApi<{ items?: ConversionTag[] }>(context.target, {
    path: `/ad_accounts/${encodeURIComponent(context.adAccountId)}/conversion_tags`,
    token: context.reader,
  });
  if (answer.status !== 200) {
    return {
      name,
      ok: false,
      detail: `cannot list Tags (${describeAnswer(answer)})`,
      fix: LOGIN_FIX,
    };
  }

  const tags = (answer.body?.items ?? []).filter((tag) => tag.status !== 'DELETED');
  const tag = wanted === undefined ? tags[0] : tags.find((each) => each.id === wanted);
  if (!tag) return missingTag(name, { wanted, tags });

  context.report.tagId = tag.id;
  context.report.tagSnippet = tag.code_snippet || `pintrk('load', '${tag.id}'); pintrk('page');`;
  const fired = tag.last_fired_time_ms
    ? `last fired ${new Date(tag.last_fired_time_ms).toISOString()}`
    : 'not fired yet';
  return {
    name,
    ok: true,
    detail: `Tag id ${tag.id}${tag.name ? ` (${tag.name})` : ''}; ${fired}`,
  };
}

function missingTag(
  name: string,
  found: { wanted: string | undefined; tags: ConversionTag[] },
): DoctorCheck {
  const ids = found.tags.map((tag) => tag.id).join(', ');
  if (found.wanted !== undefined) {
    return {
      name,
      ok: false,
      detail: `PINTEREST_TAG_ID ${found.wanted} is not a Tag of this ad account (it has: ${ids || 'none'})`,
      fix: ids ? `set PINTEREST_TAG_ID=${found.tags[0]?.id ?? ''}` : 'unset PINTEREST_TAG_ID',
    };
  }

  return {
    name,
    ok: false,
    detail: 'the ad account has no conversion Tag',
    fix: 'create one in Ads Manager: Conversions > Tag manager > Set up Tag',
  };
}

async function checkTestCheckout(context: Context): Promise<DoctorCheck> {
  const name = 'test checkout (?test=true)';
  const send = context.credentials.send;
  if (!send) {
    return {
      name,
      ok: false,
      detail: 'no token to send with',
      fix: 'set PINTEREST_ACCESS_TOKEN to a conversion token from Ads Manager (Conversions > Conversions API)',
    };
  }

  if (context.adAccountId === undefined) return needs(name, 'an ad account (see above)');
  const answer = await callApi<WireEventsResponse>(context.target, {
    method: 'POST',
    path: `/ad_accounts/${encodeURIComponent(context.adAccountId)}/events?test=true`,
    token: send.token,
    body: { data: [doctorCheckout()] },
  });
  const result = answer.body?.events[0];
  if (answer.status === 200 && result?.status === 'processed') {
    const warning = result.warning_message ? `; warning: ${result.warning_message}` : '';
    return { name, ok: true, detail: `accepted with the token from ${send.source}${warning}` };
  }

  return {
    name,
    ok: false,
    detail: `refused, token from ${send.source}: ${result?.error_message ?? describeAnswer(answer)}`,
    fix: sendFix(answer.status, send.source),
  };
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

interface EqsItem {
  overall_status?: string;
  ingestion_source?: string;
  source_platform?: string;
}

async function checkEqs(context: Context): Promise<DoctorCheck> {
  const name = 'Event Quality Score readable';
  if (!context.reader || context.adAccountId === undefined) {
    return needs(name, 'a token and an ad account (see above)');
  }

  const answer = await callApi<EqsItem[]>(context.target, {
    path: `/ad_accounts/${encodeURIComponent(context.adAccountId)}/conversion_eqs?lookback_period=14d`,
    token: context.reader,
  });
  if (answer.status !== 200) {
    return {
      name,
      ok: false,
      detail: `cannot read EQS (${describeAnswer(answer)})`,
      fix: `EQS needs an OAuth token with ads:read, not a conversion token: ${LOGIN_FIX}`,
    };
  }

  const items = Array.isArray(answer.body) ? answer.body : [];
  const summary = items
    .map(
      (item) =>
        `${item.ingestion_source ?? '?'}/${item.source_platform ?? '?'} ${item.overall_status ?? '?'}`,
    )
    .join(', ');
  return {
    name,
    ok: true,
    detail: summary ? `14d: ${summary}` : 'readable; no events in the last 14 days yet',
  };
}

interface Readiness {
  status?: string;
  accounts?: { adAccountId?: string; paused?: unknown }[];
}

async function checkRelay(
  relayUrl: string,
  doFetch: typeof fetch | undefined,
): Promise<DoctorCheck> {
  const name = 'relay reachable, queue healthy';
  const answer = await callApi<Readiness>(
    { baseUrl: relayUrl.replace(/\/+$/, ''), fetch: doFetch },
    { path: '/readyz', token: '' },
  );
  if (answer.status === 0) {
    return {
      name,
      ok: false,
      detail: `${relayUrl} unreachable (${answer.error ?? 'no answer'})`,
      fix: 'start it with pinterest-capi serve, or check --relay',
    };
  }

  const status = answer.body?.status ?? `HTTP ${answer.status}`;
  if (answer.status === 200 && status === 'ready')
    return { name, ok: true, detail: `${relayUrl} ready` };
  const paused = (answer.body?.accounts ?? []).filter((account) => account.paused !== false);
  return {
    name,
    ok: false,
    detail: `${relayUrl} ${status}${paused.length > 0 ? `; paused: ${paused.map((a) => a.adAccountId ?? '?').join(', ')}` : ''}`,
    fix: 'see the relay log and pinterest-capi status; a paused account resumes when its credentials are fixed',
  };
}

function needs(name: string, what: string): DoctorCheck {
  return {
    name,
    ok: false,
    detail: `not checked: needs ${what}`,
    fix: 'fix the checks above first',
  };
}

function describeAnswer(answer: ApiAnswer): string {
  return answer.status === 0
    ? `no answer: ${answer.error ?? 'network error'}`
    : `${answer.status}${answer.error ? ` ${answer.error}` : ''}`;
}
