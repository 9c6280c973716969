/**
 * The smoke test after a rollout: one request, a 200 answer and, optionally, the expected
 * predictions within a tolerance. Pure: the query itself is done by the caller.
 */

/** What the answer must contain. */
import { toError } from '../http/errors';
export interface SmokeTestExpectation {
  /** Compared with the answer's `predictions`; objects match when every expected key matches. */
  predictions: unknown;
  /** Largest absolute difference accepted between two numbers. */
  tolerance: number;
}

/** The smoke test to run. */
export interface SmokeTest {
  /** The JSON request body (`dataframe_split`, `dataframe_records`, `inputs`, `instances`). */
  body: unknown;
  expect?: SmokeTestExpectation;
}

/** How the smoke test went. */
export interface SmokeTestResult {
  passed: boolean;
  status: number;
  /** Why it failed, or what it checked. */
  detail: string;
  /** Where the request went: the endpoint or one served entity. */
  target: string;
}

/**
 * Reads `smokeTestExpect`: a JSON array or value (the expected `predictions`), or an object
 * `{"predictions": ..., "tolerance": 0.01}`.
 * @throws Error naming the input and the expected form.
 */
export function parseSmokeTestExpectation(inputName: string, text: string): SmokeTestExpectation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`Invalid '${inputName}': not valid JSON (${toError(error).message}); expected the predictions, e.g. [0, 1], or {"predictions": [0.12, 0.87], "tolerance": 0.01}`);
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'predictions' in parsed) {
    const { predictions, tolerance = 0 } = parsed as { predictions: unknown; tolerance?: unknown };
    if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
      throw new Error(`Invalid '${inputName}': "tolerance" must be a number of at least 0, got ${JSON.stringify(tolerance)}`);
    }
    return { predictions, tolerance };
  }
  return { predictions: parsed, tolerance: 0 };
}

/** Where `actual` differs from `expected` (a JSON path and both values), or undefined when it matches. */
export function findMismatch(expected: unknown, actual: unknown, tolerance: number, path = 'predictions'): string | undefined {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Math.abs(expected - actual) <= tolerance ? undefined : `${path}: expected ${expected} ± ${tolerance}, got ${actual}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const mismatch = findMismatch(expected[i], actual[i], tolerance, `${path}[${i}]`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [key, value] of Object.entries(expected)) {
      const mismatch = findMismatch(value, (actual as Record<string, unknown>)[key], tolerance, `${path}.${key}`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  return expected === actual ? undefined : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

function excerpt(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? '' : text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** Judges the answer to the smoke-test request. */
export function judgeSmokeTest(test: SmokeTest, answer: { status: number; body: unknown }, target: string): SmokeTestResult {
  if (answer.status !== 200) return { passed: false, status: answer.status, target, detail: `the query answered ${answer.status}: ${excerpt(answer.body)}` };
  if (!test.expect) return { passed: true, status: 200, target, detail: 'the query answered 200' };
  const predictions = answer.body !== null && typeof answer.body === 'object' ? (answer.body as Record<string, unknown>).predictions : undefined;
  const mismatch = findMismatch(test.expect.predictions, predictions, test.expect.tolerance);
  if (mismatch) return { passed: false, status: 200, target, detail: `unexpected predictions: ${mismatch}` };
  return { passed: true, status: 200, target, detail: `the query answered 200 with the expected predictions (tolerance ${test.expect.tolerance})` };
}
