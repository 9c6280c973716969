import { countTests, type TestCase, type TestProblem, type TestSuite } from './model';

/** Characters XML 1.0 forbids even when escaped (control characters from test output are common). */
const invalidXmlChars = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function clean(value: string): string {
  return value.replace(invalidXmlChars, '\uFFFD');
}

function escapeText(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values also keep their line breaks and tabs, which plain attribute normalisation would turn into spaces. */
function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '0';
  return String(Math.round(seconds * 1000) / 1000);
}

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeAttribute(typeof value === 'number' ? formatSeconds(value) : value)}"`)
    .join('');
}

function problem(element: 'failure' | 'error', value: TestProblem): string {
  const attrs = attributes({ message: value.message, type: value.type });
  return value.trace ? `<${element}${attrs}>${escapeText(value.trace)}</${element}>` : `<${element}${attrs}/>`;
}

function caseTime(testCase: TestCase): number {
  return testCase.time ?? 0;
}

function writeCase(testCase: TestCase): string {
  const open = `    <testcase${attributes({ name: testCase.name, classname: testCase.classname, time: caseTime(testCase) })}`;
  const children: string[] = [];
  if (testCase.failure) children.push(problem('failure', testCase.failure));
  if (testCase.error) children.push(problem('error', testCase.error));
  if (testCase.skipped) children.push(`<skipped${attributes({ message: testCase.skipped.message })}/>`);
  if (testCase.systemOut) children.push(`<system-out>${escapeText(testCase.systemOut)}</system-out>`);
  if (testCase.systemErr) children.push(`<system-err>${escapeText(testCase.systemErr)}</system-err>`);
  if (children.length === 0) return `${open}/>`;
  return `${open}>\n${children.map((child) => `      ${child}`).join('\n')}\n    </testcase>`;
}

function suiteTime(suite: TestSuite): number {
  return suite.time ?? suite.cases.reduce((sum, testCase) => sum + caseTime(testCase), 0);
}

function writeSuite(suite: TestSuite, id: number): string {
  const failures = suite.cases.filter((c) => c.failure).length;
  const errors = suite.cases.filter((c) => !c.failure && c.error).length;
  const skipped = suite.cases.filter((c) => !c.failure && !c.error && c.skipped).length;
  const open = `  <testsuite${attributes({
    name: suite.name,
    id: String(id),
    tests: String(suite.cases.length),
    failures: String(failures),
    errors: String(errors),
    skipped: String(skipped),
    time: suiteTime(suite),
    timestamp: suite.timestamp,
    hostname: suite.hostname,
  })}>`;
  const lines = [open];
  const properties = Object.entries(suite.properties ?? {});
  if (properties.length > 0) {
    lines.push('    <properties>');
    for (const [name, value] of properties) lines.push(`      <property${attributes({ name, value })}/>`);
    lines.push('    </properties>');
  }
  for (const testCase of suite.cases) lines.push(writeCase(testCase));
  lines.push('  </testsuite>');
  return lines.join('\n');
}

/**
 * Writes suites as one JUnit XML document (`<testsuites>` root) in the dialect Azure DevOps'
 * JUnit reader understands. A case with both `failure` and `error` counts once, as a failure.
 * @param title name of the `<testsuites>` root, e.g. the test run title.
 */
export function writeJUnitXml(suites: readonly TestSuite[], title?: string): string {
  const counts = countTests(suites);
  const errors = suites.reduce((sum, suite) => sum + suite.cases.filter((c) => !c.failure && c.error).length, 0);
  const root = `<testsuites${attributes({
    name: title,
    tests: String(counts.total),
    failures: String(counts.failed - errors),
    errors: String(errors),
    skipped: String(counts.skipped),
    time: suites.reduce((sum, suite) => sum + suiteTime(suite), 0),
  })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', root, ...suites.map(writeSuite), '</testsuites>', ''].join('\n');
}
