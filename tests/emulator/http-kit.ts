/**
 * The small vocabulary route modules share: the parsed request, the reply, the route table entry and
 * the error that becomes the Databricks error envelope `{error_code, message}`.
 */
import type { TokenRecord } from './tokens';

/** A reply: JSON (`body` object), raw bytes, text, or nothing. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; Buffers/Uint8Arrays as bytes; strings as text. */
  body?: unknown;
}

/** A request after parsing, as handlers see it. */
export interface EmulatorRequest {
  method: string;
  /** Path without query, percent-encoding kept (handlers decode what they need). */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** Raw body bytes. */
  raw: Buffer;
  /** Named groups of the route's path pattern. */
  params: Record<string, string>;
  /** The authenticated caller on workspace routes. */
  caller?: TokenRecord;
}

/** Who must have authenticated before a route runs. */
export type RouteAuth =
  /** A valid, unexpired workspace token (PAT or issued OAuth/Entra token). */
  | 'workspace'
  /** An Azure DevOps system access token. */
  | 'ado'
  /** Nothing (token endpoints authenticate the client themselves). */
  | 'none';

/** One entry of the route table. */
export interface Route {
  method: string;
  /** Matched against the whole path; named groups become `params`. */
  pattern: RegExp;
  auth: RouteAuth;
  handle(request: EmulatorRequest): Reply | Promise<Reply>;
}

/** An error reply in the Databricks envelope. Thrown by handlers, caught by the server. */
export class EmulatorApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    /** Replaces the envelope entirely (OAuth endpoints use `{error, error_description}`). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string): EmulatorApiError => new EmulatorApiError(400, 'INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string): EmulatorApiError => new EmulatorApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
export const permissionDenied = (message: string): EmulatorApiError => new EmulatorApiError(403, 'PERMISSION_DENIED', message);

/** `200` with a JSON body. */
export function ok(body: unknown = {}): Reply {
  return { status: 200, body };
}

/** Parses the JSON body of a request; an empty body is `{}`; garbage is 400 MALFORMED_REQUEST. */
export function jsonBody<T>(request: EmulatorRequest): T {
  const text = request.raw.toString('utf8');
  if (text.trim() === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new EmulatorApiError(400, 'MALFORMED_REQUEST', 'Could not parse request object: invalid JSON');
  }
}

/** Parses an `application/x-www-form-urlencoded` body. */
export function formBody(request: EmulatorRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(request.raw.toString('utf8')));
}

/** A required query parameter. */
export function requiredQuery(request: EmulatorRequest, name: string): string {
  const value = request.query.get(name);
  if (value === null || value === '') throw invalidParameter(`Missing required field: ${name}`);
  return value;
}

/** An integer parameter as Databricks parses int64 fields: garbage is INVALID_PARAMETER_VALUE. */
export function parseInteger(name: string, value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw invalidParameter(`Invalid value for ${name}: ${String(value)} is not a valid integer`);
  return n;
}

/** Offset-based opaque page tokens, so clients cannot rely on their format. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

export function decodePageToken(token: string | null | undefined): number {
  if (token === null || token === undefined || token === '') return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw invalidParameter(`Invalid page token: ${token}`);
  return Number(match[1]);
}
