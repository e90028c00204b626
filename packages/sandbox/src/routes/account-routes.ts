/**
 * @module routes/account-routes
 * Discovery endpoints the `doctor` and `auth status` commands rely on: the token's user, its ad
 * accounts (bookmark pagination), one ad account, and its conversion tags.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxAdAccount, SandboxTag } from '../config.js';
import { API_CODES } from '../constants.js';
import { authenticate, authorizeAdAccount } from '../http/auth.js';
import { sendError } from '../http/replies.js';
import type { SandboxState } from '../state/sandbox-state.js';
import type { TokenGrant } from '../state/token-store.js';

interface AccountParams {
  ad_account_id: string;
}

interface ListQuery {
  page_size?: string;
  bookmark?: string;
  include_shared_accounts?: string;
}

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 250;

/** Serves the user account, ad accounts and conversion tags. */
export function registerAccountRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get<{ Querystring: { ad_account_id?: string } }>('/v5/user_account', (request, reply) => {
    const grant = authenticate(state, { request, reply }, { scope: 'user_accounts:read' });
    if (!grant) return reply;
    const accountId = request.query.ad_account_id;
    if (accountId === undefined) return reply.send(describeUser(grant.user));
    if (
      !authorizeAdAccount(reply, grant, {
        adAccountId: accountId,
        invalidCode: API_CODES.invalidParameters,
      })
    )
      return reply;
    const account = state.account(accountId);
    return reply.send(describeUser(account ? state.ownerOf(account) : grant.user));
  });

  app.get<{ Querystring: ListQuery }>('/v5/ad_accounts', (request, reply) => {
    const grant = authenticate(state, { request, reply }, { scope: 'ads:read' });
    if (!grant) return reply;
    return listAdAccounts(state, { grant, query: request.query }, reply);
  });

  app.get<{ Params: AccountParams }>('/v5/ad_accounts/:ad_account_id', (request, reply) => {
    const account = readableAccount(state, request, reply);
    if (!account) return reply;
    return reply.send(describeAdAccount(state, account.account, account.grant));
  });

  registerTagRoutes(app, state);
}

function registerTagRoutes(app: FastifyInstance, state: SandboxState): void {
  const base = '/v5/ad_accounts/:ad_account_id/conversion_tags';
  app.get<{ Params: AccountParams }>(base, (request, reply) => {
    const found = readableAccount(state, request, reply);
    if (!found) return reply;
    const tags = found.account.tags ?? [];
    return reply.send({ items: tags.map((tag) => describeTag(state, found.account, tag)) });
  });

  app.get<{ Params: AccountParams & { conversion_tag_id: string } }>(
    `${base}/:conversion_tag_id`,
    (request, reply) => {
      const found = readableAccount(state, request, reply);
      if (!found) return reply;
      const tag = found.account.tags?.find((each) => each.id === request.params.conversion_tag_id);
      if (!tag) {
        return sendError(reply, 404, {
          code: API_CODES.notFound,
          message: 'Conversion tag not found.',
        });
      }

      return reply.send(describeTag(state, found.account, tag));
    },
  );
}

/** Authenticates for ads:read and resolves the ad account in the path, or answers the error. */
export function readableAccount(
  state: SandboxState,
  request: FastifyRequest<{ Params: AccountParams }>,
  reply: FastifyReply,
): { grant: TokenGrant; account: SandboxAdAccount } | undefined {
  const grant = authenticate(state, { request, reply }, { scope: 'ads:read' });
  if (!grant) return undefined;
  const adAccountId = request.params.ad_account_id;
  const target = { adAccountId, invalidCode: API_CODES.invalidParameters };
  if (!authorizeAdAccount(reply, grant, target)) return undefined;
  const account = state.account(adAccountId);
  if (account) return { grant, account };
  sendError(reply, 404, { code: API_CODES.notFound, message: 'Ad account not found.' });
  return undefined;
}

function listAdAccounts(
  state: SandboxState,
  input: { grant: TokenGrant; query: ListQuery },
  reply: FastifyReply,
): FastifyReply {
  const { grant, query } = input;
  const pageSize = query.page_size === undefined ? DEFAULT_PAGE_SIZE : Number(query.page_size);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    return invalidParameter(reply, `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }

  const offset = query.bookmark === undefined ? 0 : readBookmark(query.bookmark);
  if (offset === undefined) return invalidParameter(reply, 'bookmark is not one this API issued');
  const sharedToo = query.include_shared_accounts !== 'false';
  const visible = state.config.adAccounts.filter(
    (account) =>
      grant.adAccountIds.has(account.id) && (sharedToo || state.ownerOf(account) === grant.user),
  );
  const page = visible.slice(offset, offset + pageSize);
  const next = offset + pageSize < visible.length ? writeBookmark(offset + pageSize) : null;
  return reply.send({
    items: page.map((account) => describeAdAccount(state, account, grant)),
    bookmark: next,
  });
}

// Bookmarks are opaque to clients, as Pinterest's are; inside they carry the next offset.
function writeBookmark(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function readBookmark(bookmark: string): number | undefined {
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(bookmark, 'base64url').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function describeAdAccount(state: SandboxState, account: SandboxAdAccount, grant: TokenGrant) {
  const owner = state.ownerOf(account);
  return {
    id: account.id,
    name: account.name,
    currency: account.currency,
    country: account.country,
    owner: { id: userId(owner), username: owner },
    permissions: owner === grant.user ? ['OWNER'] : ['ADMIN'],
    created_time: state.startedAtSeconds,
    updated_time: state.startedAtSeconds,
  };
}

function describeTag(state: SandboxState, account: SandboxAdAccount, tag: SandboxTag) {
  const fired = state.recorder.tagEvents.findLast((event) => event.tag_id === tag.id);
  return {
    ad_account_id: account.id,
    id: tag.id,
    name: tag.name,
    status: 'ACTIVE',
    version: '3',
    code_snippet: `<script type="text/javascript">/* Pinterest Tag ${tag.id} (sandbox) */ pintrk('load', '${tag.id}'); pintrk('page');</script>`,
    enhanced_match_status: 'NOT_VALIDATED',
    last_fired_time_ms: fired ? fired.receivedAtMs : null,
    configs: {
      aem_enabled: false,
      md_frequency: 1,
      aem_fnln_enabled: false,
      aem_ph_enabled: false,
      aem_ge_enabled: false,
      aem_db_enabled: false,
      aem_loc_enabled: false,
      aem_external_id_enabled: false,
    },
  };
}

function describeUser(username: string) {
  return {
    account_type: 'BUSINESS',
    id: userId(username),
    username,
    business_name: username,
    about: '',
    profile_image: '',
    website_url: '',
    board_count: 0,
    pin_count: 0,
    follower_count: 0,
    following_count: 0,
    monthly_views: 0,
  };
}

/** A stable numeric id per username, as Pinterest's ids are digit strings. */
function userId(username: string): string {
  const digest = createHash('sha256').update(username).digest('hex');
  return BigInt(`0x${digest.slice(0, 15)}`).toString();
}

function invalidParameter(reply: FastifyReply, message: string): FastifyReply {
  return sendError(reply, 400, { code: API_CODES.invalidParameters, message });
}
