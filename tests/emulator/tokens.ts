/**
 * Tokens the emulator issues and accepts. Issued tokens are random JWT-shaped strings (never derived
 * from a secret), kept in a store with their identity and expiry so the workspace can answer 401
 * once they expire and tests can prove that clients refresh.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** Where a token came from; also what the request log shows instead of the token itself. */
export type TokenKind =
  /** A personal access token from the scenario. */
  | 'pat'
  /** Databricks OAuth M2M (`client_credentials` at `/oidc/v1/token`). */
  | 'databricks-oauth'
  /** Databricks OAuth token exchange of an Azure DevOps OIDC token (federation policy). */
  | 'databricks-federation'
  /** Entra ID access token for the Azure Databricks resource. */
  | 'entra'
  /** Azure DevOps OIDC token (`oidctoken` endpoint); not accepted by the workspace itself. */
  | 'ado-oidc'
  /** Azure DevOps `System.AccessToken`. */
  | 'ado-system';

/** Everything known about a token. */
export interface TokenRecord {
  token: string;
  kind: TokenKind;
  /** User or service principal name the workspace sees. */
  identity: string;
  issuedAt: number;
  /** Epoch ms; undefined = never expires (PATs). */
  expiresAt?: number;
  /** JWT claims of ADO OIDC tokens. */
  claims?: Record<string, unknown>;
  /** The service connection an ADO OIDC token was requested for. */
  serviceConnectionId?: string;
  /** Which grant produced it, for assertions (`client_credentials`, `token-exchange`, ...). */
  grant?: string;
  /** Configured in the scenario rather than issued. */
  configured?: boolean;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** A JWT-shaped string: real header and claims, random signature (nobody verifies it). */
export function makeJwt(claims: Record<string, unknown>): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: 'emulator' };
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}.${base64url(randomBytes(32))}`;
}

/** Decodes the claims of a JWT-shaped string, or undefined. */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Issued and configured tokens. */
export class TokenStore {
  private readonly records = new Map<string, TokenRecord>();

  constructor(private readonly now: () => number) {}

  /** Registers a fixed token (PAT, system access token). */
  register(token: string, kind: TokenKind, identity: string): TokenRecord {
    const record: TokenRecord = { token, kind, identity, issuedAt: this.now(), configured: true };
    this.records.set(token, record);
    return record;
  }

  /** Issues a fresh random token valid for `lifetimeSeconds`. */
  issue(kind: TokenKind, identity: string, lifetimeSeconds: number, extra: Partial<TokenRecord> = {}): TokenRecord {
    const issuedAt = this.now();
    const expiresAt = issuedAt + lifetimeSeconds * 1000;
    const claims = extra.claims ?? {
      // Claims carry only public facts; the token's value is random (the signature).
      iss: 'databricks-emulator',
      sub: identity,
      jti: randomUUID(),
      iat: Math.floor(issuedAt / 1000),
      exp: Math.floor(expiresAt / 1000),
    };
    const record: TokenRecord = { ...extra, token: makeJwt(claims), kind, identity, issuedAt, expiresAt, claims };
    this.records.set(record.token, record);
    return record;
  }

  get(token: string): TokenRecord | undefined {
    return this.records.get(token);
  }

  isExpired(record: TokenRecord): boolean {
    return record.expiresAt !== undefined && this.now() >= record.expiresAt;
  }

  /** Makes a token expire now (the `expireToken` fault). */
  expire(token: string): void {
    const record = this.records.get(token);
    if (record) record.expiresAt = this.now() - 1;
  }

  /** Every token issued (not configured), oldest first, for assertions about refresh. */
  issued(kind?: TokenKind): TokenRecord[] {
    return [...this.records.values()].filter((r) => !r.configured && (kind === undefined || r.kind === kind));
  }

  clear(): void {
    this.records.clear();
  }
}
