/**
 * @module state/token-store
 * Tokens the sandbox accepts and the OAuth artefacts it issues: single-use authorization codes,
 * access tokens with a 30-day life, and rotating refresh tokens (each refresh retires the old one).
 */
import { randomBytes } from 'node:crypto';
import type { ResolvedConfig, SandboxOAuthClient } from '../config.js';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  AUTHORIZATION_CODE_LIFETIME_SECONDS,
  DEFAULT_OAUTH_SCOPES,
  DEFAULT_USERNAME,
  REFRESH_TOKEN_LIFETIME_SECONDS,
} from '../constants.js';

/** What a bearer token may do. */
export interface TokenGrant {
  kind: 'conversion' | 'oauth';
  adAccountIds: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
  user: string;
  /** Undefined for tokens that do not expire (conversion tokens, configured tokens). */
  expiresAtMs: number | undefined;
}

/** Who approved what, carried from a code or refresh token to the tokens it yields. */
export interface Approval {
  clientId: string;
  scopes: readonly string[];
  user: string;
}

interface PendingCode extends Approval {
  redirectUri: string;
  expiresAtMs: number;
}

interface RefreshGrant extends Approval {
  expiresAtMs: number;
}

export interface IssuedRefreshToken {
  token: string;
  expiresAtMs: number;
}

export class TokenStore {
  readonly #grants = new Map<string, TokenGrant>();
  readonly #codes = new Map<string, PendingCode>();
  readonly #refreshTokens = new Map<string, RefreshGrant>();
  readonly #clients: Map<string, SandboxOAuthClient>;
  readonly #allAccountIds: ReadonlySet<string>;

  constructor(config: ResolvedConfig) {
    this.#clients = new Map(config.oauthClients.map((client) => [client.clientId, client]));
    this.#allAccountIds = new Set(config.adAccounts.map((account) => account.id));

    for (const token of config.tokens) {
      this.#grants.set(token.token, {
        kind: token.kind,
        adAccountIds: new Set(token.adAccountIds),
        scopes: new Set(token.kind === 'oauth' ? (token.scopes ?? DEFAULT_OAUTH_SCOPES) : []),
        user: token.user ?? DEFAULT_USERNAME,
        expiresAtMs: undefined,
      });
    }
  }

  /** The grant of a live token, or undefined when the token is unknown or expired. */
  lookup(token: string, nowMs: number): TokenGrant | undefined {
    const grant = this.#grants.get(token);
    if (!grant) return undefined;
    if (grant.expiresAtMs !== undefined && grant.expiresAtMs <= nowMs) return undefined;
    return grant;
  }

  findClient(clientId: string): SandboxOAuthClient | undefined {
    return this.#clients.get(clientId);
  }

  /**
   * Issues an OAuth access token. The approving sandbox user holds Business Access to every
   * seeded ad account, so the token reaches all of them.
   */
  issueAccessToken(approval: Approval, nowMs: number): string {
    const token = `pina_${randomToken()}`;
    this.#grants.set(token, {
      kind: 'oauth',
      adAccountIds: this.#allAccountIds,
      scopes: new Set(approval.scopes),
      user: approval.user,
      expiresAtMs: nowMs + ACCESS_TOKEN_LIFETIME_SECONDS * 1000,
    });
    return token;
  }

  /** Issues a long-lived conversion token with the ad accounts of the OAuth grant behind it. */
  issueConversionToken(from: TokenGrant): string {
    const token = `pina_${randomToken()}`;
    this.#grants.set(token, {
      kind: 'conversion',
      adAccountIds: from.adAccountIds,
      scopes: new Set(),
      user: from.user,
      expiresAtMs: undefined,
    });
    return token;
  }

  issueCode(pending: Approval & { redirectUri: string }, nowMs: number): string {
    const code = randomToken();
    const expiresAtMs = nowMs + AUTHORIZATION_CODE_LIFETIME_SECONDS * 1000;
    this.#codes.set(code, { ...pending, expiresAtMs });
    return code;
  }

  /**
   * Redeems a code once. A second redemption fails, as does a code issued to another client or
   * for another redirect URI.
   * @returns the approval, or a message saying why the code is refused.
   */
  redeemCode(
    code: string,
    request: { clientId: string; redirectUri: string },
    nowMs: number,
  ): Approval | string {
    const pending = this.#codes.get(code);
    this.#codes.delete(code);
    if (!pending || pending.expiresAtMs <= nowMs) return 'code is unknown, expired or already used';
    if (pending.clientId !== request.clientId) return 'code was issued to another client';
    if (pending.redirectUri !== request.redirectUri) {
      return 'redirect_uri does not match the one the code was issued for';
    }

    return { clientId: pending.clientId, scopes: pending.scopes, user: pending.user };
  }

  issueRefreshToken(approval: Approval, nowMs: number): IssuedRefreshToken {
    const token = `pinr_${randomToken()}`;
    const expiresAtMs = nowMs + REFRESH_TOKEN_LIFETIME_SECONDS * 1000;
    this.#refreshTokens.set(token, { ...approval, expiresAtMs });
    return { token, expiresAtMs };
  }

  /**
   * What a live refresh token granted to this client.
   * @returns the approval, or a message saying why the refresh token is refused.
   */
  findRefreshToken(token: string, clientId: string, nowMs: number): Approval | string {
    const grant = this.#refreshTokens.get(token);
    if (!grant || grant.expiresAtMs <= nowMs) return 'refresh_token is unknown, expired or rotated';
    if (grant.clientId !== clientId) return 'refresh_token was issued to another client';
    return { clientId: grant.clientId, scopes: grant.scopes, user: grant.user };
  }

  /** Stops a refresh token from working; each refresh rotates to a new one. */
  retireRefreshToken(token: string): void {
    this.#refreshTokens.delete(token);
  }
}

function randomToken(): string {
  return randomBytes(24).toString('base64url');
}
