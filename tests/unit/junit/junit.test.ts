import * as assert from 'node:assert/strict';
import { countTests, testStatus, type TestSuite } from '../../../tasks/common/junit/model';
import { JUnitParseError, parseJUnitXml } from '../../../tasks/common/junit/parser';
import { writeJUnitXml } from '../../../tasks/common/junit/writer';

const suites: TestSuite[] = [
  {
    name: 'integration',
    timestamp: '2026-01-01T00:00:00Z',
    properties: { 'databricks.runId': '42' },
    cases: [
      { name: 'test_ok', classname: 'tests.test_api', time: 1.25 },
      {
        name: 'test "quoted" <bad> & more',
        classname: 'tests.test_api',
        time: 0.5,
        failure: { message: 'assert 1 == 2\nsecond line', type: 'AssertionError', trace: 'Traceback:\n  File "x.py", line 3\n    assert 1 == 2 && x < y' },
      },
      { name: 'test_crash', classname: 'tests.test_api', error: { message: 'boom' } },
      { name: 'test_later', classname: 'tests.test_api', skipped: { message: 'not today' }, systemOut: 'printed\u0007 bell' },
    ],
  },
  { name: 'empty', cases: [] },
];

describe('JUnit writer and parser', () => {
  it('counts cases by status', () => {
    assert.deepEqual(countTests(suites), { total: 4, passed: 1, failed: 2, skipped: 1 });
    assert.equal(testStatus(suites[0].cases[2]), 'failed');
  });

  it('round-trips suites, cases, failures, errors, skips and properties', () => {
    const xml = writeJUnitXml(suites, 'Run title');
    const parsed = parseJUnitXml(xml, 'results.xml');
    assert.equal(parsed.length, 2);
    const [suite] = parsed;
    assert.equal(suite.name, 'integration');
    assert.equal(suite.timestamp, '2026-01-01T00:00:00Z');
    assert.deepEqual(suite.properties, { 'databricks.runId': '42' });
    assert.equal(suite.time, 1.75);
    assert.deepEqual(suite.cases[0], { name: 'test_ok', classname: 'tests.test_api', time: 1.25 });
    assert.equal(suite.cases[1].name, 'test "quoted" <bad> & more');
    assert.deepEqual(suite.cases[1].failure, suites[0].cases[1].failure);
    assert.deepEqual(suite.cases[2].error, { message: 'boom', type: undefined, trace: undefined });
    assert.deepEqual(suite.cases[3].skipped, { message: 'not today' });
    assert.equal(suite.cases[3].systemOut, 'printed\uFFFD bell', 'control characters are replaced, not emitted');
    assert.deepEqual(countTests(parsed), countTests(suites));
  });

  it('writes the counts Azure DevOps reads on the root and each suite', () => {
    const xml = writeJUnitXml(suites, 'Run title');
    assert.match(xml, /<testsuites name="Run title" tests="4" failures="1" errors="1" skipped="1"/);
    assert.match(xml, /<testsuite name="integration" id="0" tests="4" failures="1" errors="1" skipped="1"/);
    assert.match(xml, /<testsuite name="empty" id="1" tests="0"/);
  });

  it('reads pytest output: a single <testsuite> root, failure text without message, nested suites', () => {
    const pytest = `<?xml version="1.0" encoding="utf-8"?>
<testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="3.1">
  <testcase classname="tests.test_model" name="test_auc" time="1,234.5"><failure>AssertionError: auc too low
at line 4</failure></testcase>
  <testcase classname="tests.test_model" name="test_rows" time="0.1"/>
  <testsuite name="inner"><testcase name="nested"/></testsuite>
</testsuite>`;
    const parsed = parseJUnitXml(pytest, '/Volumes/c/s/v/TEST-model.xml');
    assert.equal(parsed.length, 2);
    assert.equal(parsed[0].cases[0].time, 1234.5);
    assert.equal(parsed[0].cases[0].failure?.message, 'AssertionError: auc too low');
    assert.equal(parsed[0].cases[0].failure?.trace, 'AssertionError: auc too low\nat line 4');
    assert.deepEqual(parsed[1].cases[0], { name: 'nested', classname: 'inner', time: undefined });
  });

  it('reads the suites of <testsuites> nested in <testsuites> (merged reports), failures included', () => {
    const merged = '<testsuites><testsuites name="a"><testsuite name="s1"><testcase name="t1"><failure message="no"/></testcase></testsuite></testsuites><testsuite name="s2"><testcase name="t2"/></testsuite></testsuites>';
    const parsed = parseJUnitXml(merged, 'm.xml');
    assert.deepEqual(parsed.map((suite) => suite.name).sort(), ['s1', 's2']);
    assert.deepEqual(countTests(parsed), { total: 2, passed: 1, failed: 1, skipped: 0 });
    assert.deepEqual(parseJUnitXml('<testsuites/>', 'e.xml'), []);
  });

  it('reports malformed XML and non-JUnit roots with the source and position', () => {
    assert.throws(() => parseJUnitXml('<testsuites><testsuite></testsuites>', 'a.xml'), (error: Error) => {
      assert.ok(error instanceof JUnitParseError);
      assert.match(error.message, /^a\.xml is not well-formed XML: .*line 1, column \d+/);
      return true;
    });
    assert.throws(() => parseJUnitXml('<html/>', 'b.xml'), /b\.xml is not a JUnit report/);
    assert.throws(() => parseJUnitXml(' \n', 'c.xml'), (error: Error) => error instanceof JUnitParseError && /c\.xml is empty/.test(error.message));
  });
});
