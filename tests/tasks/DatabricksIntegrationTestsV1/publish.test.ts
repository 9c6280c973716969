import * as assert from 'node:assert/strict';
import type { PipelineOutputs, TestResultsPublication } from '../../../tasks/common/task/task-context';
import { parseJUnitXml } from '../../../tasks/common/junit/parser';
import { countTests } from '../../../tasks/common/junit/model';
import type { IntegrationTestReport } from '../../../tasks/common/runs/integration-run';
import { runOutcome } from '../../../tasks/common/runs/run-outcome';
import { publishReport } from '../../../tasks/DatabricksIntegrationTestsV1/run';
import { runState } from '../../fakes/job-runs';

/** Pipeline outputs that record what the task told the agent. */
class RecordingOutputs implements PipelineOutputs {
  readonly variables: Array<[string, string]> = [];
  readonly publications: TestResultsPublication[] = [];
  readonly summaries: string[] = [];
  readonly summaryTitles: Array<string | undefined> = [];
  setSecret(): void {}
  setOutput(name: string, value: string): void {
    this.variables.push([name, value]);
  }
  setProgress(): void {}
  uploadSummary(markdownPath: string, title?: string): void {
    this.summaries.push(markdownPath);
    this.summaryTitles.push(title);
  }
  publishTestResults(publication: TestResultsPublication): void {
    this.publications.push(publication);
  }
  uploadArtifact(): void {}
  addAttachment(): void {}
}

function report(overrides: Partial<IntegrationTestReport> = {}): IntegrationTestReport {
  const run = { run_id: 7, run_name: 'it', run_page_url: 'https://w/#run/7', ...runState('TERMINATED', 'SUCCESS') };
  const suites = [{ name: 'it', cases: [{ name: 'a', classname: 'c' }, { name: 'b', classname: 'c', failure: { message: 'no' } }] }];
  return {
    runId: 7,
    runName: 'it',
    runPageUrl: run.run_page_url,
    run,
    outcome: runOutcome(run),
    durationMs: 1_000,
    tasks: [],
    suites,
    sources: ['tasks'],
    counts: countTests(suites),
    passed: false,
    verdict: 'The Databricks run succeeded but 1 of 2 tests failed.',
    polls: 3,
    ...overrides,
  };
}

function publish(subject: IntegrationTestReport, options: { publishTestResults?: boolean; testRunTitle?: string; runPageUrlSet?: boolean } = {}) {
  const outputs = new RecordingOutputs();
  const written = new Map<string, string>();
  publishReport(subject, {
    outputs,
    files: {
      writeTemp: (name, content) => {
        const file = `/agent/temp/${name}`;
        written.set(file, String(content));
        return file;
      },
    },
    publishTestResults: options.publishTestResults ?? true,
    testRunTitle: options.testRunTitle,
    runPageUrlSet: options.runPageUrlSet ?? false,
  });
  return { outputs, written };
}

describe('DatabricksIntegrationTests@1 publishing', () => {
  it('sets the outputs, publishes the JUnit file it wrote under the title, and uploads the summary', () => {
    const { outputs, written } = publish(report(), { testRunTitle: 'Staging' });
    assert.deepEqual(outputs.variables, [
      ['runPageUrl', 'https://w/#run/7'],
      ['resultState', 'SUCCESS'],
      ['testsTotal', '2'],
      ['testsFailed', '1'],
    ]);
    const junit = '/agent/temp/databricks-run-7.xml';
    assert.deepEqual(outputs.publications, [{ format: 'JUnit', files: [junit], runTitle: 'Staging', publishRunAttachments: true }]);
    assert.deepEqual(countTests(parseJUnitXml(written.get(junit) ?? '', junit)), { total: 2, passed: 1, failed: 1, skipped: 0 });
    assert.deepEqual(outputs.summaries, ['/agent/temp/databricks-run-7.md']);
    assert.deepEqual(outputs.summaryTitles, ['Staging'], 'the section is titled like the test run');
    assert.ok(written.get(outputs.summaries[0])?.includes('https://w/#run/7'));
  });

  it('publishes no test run when there are no tests or publishing is off, but always the summary', () => {
    const empty = publish(report({ suites: [], counts: { total: 0, passed: 0, failed: 0, skipped: 0 } }));
    assert.equal(empty.outputs.publications.length, 0);
    assert.equal(empty.outputs.summaries.length, 1);
    const off = publish(report(), { publishTestResults: false });
    assert.equal(off.outputs.publications.length, 0);
    assert.equal(off.written.size, 1, 'only the summary is written');
    assert.equal(publish(report()).outputs.publications[0].runTitle, 'Databricks integration tests: it');
  });

  it('does not set runPageUrl twice, and gives a run that has not ended its life-cycle state as resultState', () => {
    const running = { run_id: 7, ...runState('RUNNING') };
    const { outputs } = publish(report({ run: running, outcome: runOutcome(running), interrupted: 'cancelled' }), { runPageUrlSet: true });
    assert.deepEqual(outputs.variables.map(([name]) => name), ['resultState', 'testsTotal', 'testsFailed']);
    assert.equal(outputs.variables[0][1], 'RUNNING');
  });
});
