/**
 * @module http/auth
 * Bearer-token checks shared by the `/v5` routes. Unknown or expired tokens get 401 code 2. A token
 * without the scope an endpoint needs gets 401 code 3, as Pinterest answered in
 * pinterest/api-quickstart#97; a conversion token carries no OAuth scope, so it gets the same
 * answer everywhere except the events endpoint (the sandbox's reading of the spec's security
 * schemes, where `conversion_token` is listed on that endpoint alone).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_CODES } from '../constants.js';
import type { SandboxState } from '../state/sandbox-state.js';
import type { TokenGrant } from '../state/token-store.js';
import { AUTHENTICATION_FAILED, NOT_PERMITTED, sendError } from './replies.js';

export interface AuthRequirement {
  /** The OAuth scope the endpoint needs. */
  scope: string;
  /** Whether an Ads Manager conversion token is accepted instead. */
  conversionToken?: boolean;
}

const AD_ACCOUNT_ID = /^\d{1,18}$/;

/**
 * Checks the bearer token against what the endpoint needs.
 * @returns the token's grant, or undefined after answering 401.
 */
export function authenticate(
  state: SandboxState,
  exchange: { request: FastifyRequest; reply: FastifyReply },
  requirement: AuthRequirement,
): TokenGrant | undefined {
  const { request, reply } = exchange;
  const token = readBearer(request.headers.authorization);
  const grant = token === undefined ? undefined : state.tokens.lookup(token, state.now());

  if (!grant) {
    sendError(reply, 401, AUTHENTICATION_FAILED);
    return undefined;
  }

  if (grant.kind === 'conversion') {
    if (requirement.conversionToken) return grant;
    sendError(reply, 401, {
      code: API_CODES.insufficientScope,
      message: `A conversion token only works on the events endpoint; this one needs an OAuth token with ${requirement.scope}.`,
    });
    return undefined;
  }

  if (!grant.scopes.has(requirement.scope)) {
    sendError(reply, 401, {
      code: API_CODES.insufficientScope,
      message: `The token lacks the scope this operation needs (${requirement.scope}).`,
    });
    return undefined;
  }

  return grant;
}

/**
 * Checks that an ad account id is well formed and that the token may use that ad account.
 * @returns true, or false after answering 400 or 403.
 */
export function authorizeAdAccount(
  reply: FastifyReply,
  grant: TokenGrant,
  target: { adAccountId: string; invalidCode: number },
): boolean {
  const { adAccountId, invalidCode } = target;
  if (!AD_ACCOUNT_ID.test(adAccountId)) {
    sendError(reply, 400, {
      code: invalidCode,
      message: 'ad_account_id must be a string of 1 to 18 digits.',
    });
    return false;
  }

  if (!grant.adAccountIds.has(adAccountId)) {
    sendError(reply, 403, NOT_PERMITTED);
    return false;
  }

  return true;
}

function readBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
