/**
 * Small HTTP helpers for the emulator's own tests: plain `fetch`, so the tests exercise the wire
 * format rather than our client.
 */
import type { Emulator } from '../emulator';

export const ownerPat = 'dapi-test-owner';
export const owner = 'owner@example.com';
export const readerPat = 'dapi-test-reader';
export const reader = 'reader@example.com';

// Response bodies are asserted field by field; a loose type keeps that readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface ApiResult {
  status: number;
  headers: Headers;
  text: string;
  json: Loose;
}

export interface CallOptions {
  /** Bearer token; `null` sends no Authorization header. Default: the owner's PAT. */
  token?: string | null;
  body?: unknown;
  form?: Record<string, string>;
  raw?: Uint8Array;
  headers?: Record<string, string>;
}

export async function call(emulator: Emulator, method: string, path: string, options: CallOptions = {}): Promise<ApiResult> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? ownerPat : options.token;
  if (token !== null && headers.authorization === undefined) headers.authorization = `Bearer ${token}`;
  let body: string | Uint8Array | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.raw) {
    headers['content-type'] = 'application/octet-stream';
    body = options.raw;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${emulator.url}${path}`, { method, headers, body });
  const text = await response.text();
  let json: Loose;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Basic auth header value for OAuth client credentials. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(user)}:${encodeURIComponent(password)}`).toString('base64')}`;
}

/** The logged body of a request, for field assertions. */
export function bodyOf(entry: { body: unknown } | undefined): Loose {
  return entry?.body;
}
