/**
 * The test-result model shared by every task that publishes to the Tests tab. It mirrors the JUnit
 * XML elements that Azure DevOps reads (`testsuites` > `testsuite` > `testcase` with `failure`,
 * `error`, `skipped`), so writing and parsing are lossless for what the Tests tab shows.
 */

/** Why a test case did not pass. */
export interface TestProblem {
  /** One-line reason (the `message` attribute). */
  message: string;
  /** Exception type or category (the `type` attribute), e.g. `AssertionError`. */
  type?: string;
  /** Stack trace or details (the element's text). */
  trace?: string;
}

/** One test case. */
export interface TestCase {
  name: string;
  /** Dotted class or module name; the Tests tab groups and names tests by it. */
  classname: string;
  /** Duration in seconds. */
  time?: number;
  /** Set when an assertion failed. */
  failure?: TestProblem;
  /** Set when the test crashed rather than failed an assertion; counted as failed. */
  error?: TestProblem;
  /** Set when the test did not run. */
  skipped?: { message?: string };
  /** Captured standard output, shown as an attachment of the result. */
  systemOut?: string;
  /** Captured standard error. */
  systemErr?: string;
}

/** A named group of test cases. */
export interface TestSuite {
  name: string;
  /** ISO 8601 start time. */
  timestamp?: string;
  hostname?: string;
  /** Duration in seconds; the sum of the cases' times when not given. */
  time?: number;
  /** `<properties>` of the suite, e.g. the Databricks run id. */
  properties?: Record<string, string>;
  cases: TestCase[];
}

/** The outcome of one test case. */
export type TestStatus = 'passed' | 'failed' | 'skipped';

/** `failed` when the case has a failure or an error, `skipped` when skipped, otherwise `passed`. */
export function testStatus(testCase: TestCase): TestStatus {
  if (testCase.failure || testCase.error) return 'failed';
  if (testCase.skipped) return 'skipped';
  return 'passed';
}

/** Counts over a set of suites. */
export interface TestCounts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts the cases of all suites by status. */
export function countTests(suites: readonly TestSuite[]): TestCounts {
  const counts: TestCounts = { total: 0, passed: 0, failed: 0, skipped: 0 };
  for (const suite of suites) {
    for (const testCase of suite.cases) {
      counts.total++;
      counts[testStatus(testCase)]++;
    }
  }
  return counts;
}
