/**
 * The workspace the DatabricksIntegrationTests@1 tests run against, in process and as a bundle:
 * notebooks, Python files and jobs that pass, fail, hang, write JUnit files or report oddly.
 */
import type { Scenario } from '../../emulator';

export const pat = 'dapi-integration-tests-0000000000';
export const connectionId = 'DBXCONN';

export const variables: Record<string, string> = {
  'System.CollectionId': '0c0ffee0-0000-4000-8000-000000000001',
  'System.TeamProjectId': '0d0ffee0-0000-4000-8000-000000000002',
  'Build.BuildId': '4711',
  'Build.DefinitionName': 'churn-ci',
  'Build.BuildNumber': '20261128.3',
  'System.JobId': '0e0ffee0-0000-4000-8000-000000000003',
  'System.JobAttempt': '1',
  'System.TaskInstanceId': '0f0ffee0-0000-4000-8000-000000000004',
};

export const failingTrace = [
  'Traceback (most recent call last):',
  '  File "/Workspace/tests/test_scoring.py", line 12, in test_scores_in_range',
  '    assert max(scores) <= 1.0',
  'AssertionError: score 1.7 out of range',
].join('\n');

const junitA = `<?xml version="1.0"?>
<testsuites><testsuite name="features" tests="2">
  <testcase classname="tests.features" name="test_schema" time="1.5"/>
  <testcase classname="tests.features" name="test_nulls" time="0.5"><failure message="3 null keys">AssertionError: 3 null keys
  at tests/features.py:40</failure></testcase>
</testsuite></testsuites>`;
const junitB = `<testsuite name="training" tests="2"><testcase classname="tests.training" name="test_fit" time="12"/><testcase classname="tests.training" name="test_gpu"><skipped/></testcase></testsuite>`;

export const scenario: Scenario = {
  identities: { pats: { [pat]: 'ci@example.com' } },
  notebooks: {
    '/Workspace/tests/passing': {
      pending: 1,
      running: 2,
      notebookOutput: { tests: [{ name: 'test_a', classname: 'it.a', status: 'passed', durationMs: 1200 }, { name: 'test_b', classname: 'it.b', status: 'skipped', message: 'later' }] },
    },
    '/Workspace/tests/failing': { pending: 1, running: 1, result: 'FAILED', error: 'AssertionError: score 1.7 out of range', errorTrace: failingTrace },
    '/Workspace/tests/forever': { pending: 1, running: 'forever' },
    '/Workspace/tests/junit': {
      pending: 1,
      running: 1,
      files: { '/Volumes/main/ci/results/b4711/TEST-features.xml': junitA, '/Volumes/main/ci/results/b4711/deep/TEST-training.xml': junitB, '/Volumes/main/ci/results/b4711/notes.txt': 'x' },
    },
    '/Workspace/tests/junit-in-workspace': {
      pending: 1,
      running: 1,
      files: { '/Workspace/Shared/ci/results/b4711/TEST-features.xml': junitA, '/Workspace/Shared/ci/results/b4711/TEST-training.xml': junitB },
    },
    '/Workspace/tests/partial': { pending: 1, running: 1, result: 'SUCCESS_WITH_FAILURES' },
    '/Workspace/tests/strange': { pending: 1, running: 1, result: 'FAILED', terminationCode: 'QUANTUM_FLUX' as never, stateMessage: 'The flux capacitor ran out of flux.' },
    '/Repos/ci/ingest': { pending: 1, running: 1, notebookOutput: { tests: [{ name: 'test_ingest', classname: 'it.ingest', status: 'passed' }] } },
    '/Repos/ci/score': { pending: 1, running: 2, notebookOutput: { tests: [{ name: 'test_score', classname: 'it.score', status: 'passed' }, { name: 'test_drift', classname: 'it.score', status: 'failed', message: 'drift 0.4', trace: 'DriftError: 0.4 > 0.2' }] } },
  },
  pythonFiles: { '/Workspace/tests/run_tests.py': { pending: 1, running: 1, logs: '3 passed in 1.2s\n' } },
  jobs: [
    {
      jobId: 801,
      name: 'integration-tests',
      parameters: { environment: 'dev', git_sha: 'main' },
      tasks: [
        { taskKey: 'ingest', notebookPath: '/Repos/ci/ingest' },
        { taskKey: 'score', notebookPath: '/Repos/ci/score', dependsOn: ['ingest'] },
        { taskKey: 'report', pythonFile: '/Workspace/tests/run_tests.py', dependsOn: ['ingest'] },
      ],
    },
    { jobId: 802, name: 'twin', tasks: [{ taskKey: 't', notebookPath: '/Workspace/tests/passing' }] },
    { jobId: 803, name: 'twin', tasks: [{ taskKey: 't', notebookPath: '/Workspace/tests/passing' }] },
    { jobId: 804, name: 'hangs', tasks: [{ taskKey: 'wait', notebookPath: '/Workspace/tests/forever' }] },
  ],
};
