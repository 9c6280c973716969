/**
 * Demo step: the pull-request stage runs the integration tests on Databricks with
 * DatabricksIntegrationTests@1: first the CI job deployed from the bundle, found by name, whose
 * pytest task writes JUnit XML to a volume; then a one-time run of a notebook that returns a JSON
 * test report. Both publish to the Tests tab and attach a summary.
 */
import { demo } from '../../tests/emulator/demo-workspace';
import type { DemoEnvironment } from './environment';

const task = 'DatabricksIntegrationTestsV1';

/**
 * Each step of a pipeline job has its own System.TaskInstanceId, which the idempotency token
 * includes; without it, a later step of the demo would get this step's run back.
 */
function stepOf(n: string): { variables: Record<string, string> } {
  return { variables: { 'System.TaskInstanceId': `8f2e2c3d-4b5c-4d6e-8f9a-1b2c3d4e5f6${n}` } };
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`integration tests demo: ${message}`);
}

/** Runs the CI job by name with JUnit results from a volume, then a notebook with a JSON report. */
export async function demoIntegrationTests(env: DemoEnvironment): Promise<void> {
  const resultsFolder = demo.junitPath.slice(0, demo.junitPath.lastIndexOf('/'));
  const job = await env.runTask(task, `Run the '${demo.integrationJob}' job (deployed from the bundle) and publish its JUnit results`, {
    ...env.connectionInputs,
    runType: 'job',
    jobName: demo.integrationJob,
    jobParameters: `environment=staging\ngit_sha=${env.variables['Build.SourceVersion']}`,
    testResultsPath: `${resultsFolder}/*.xml`,
    testRunTitle: 'Integration tests (Databricks job)',
    timeoutMinutes: '30',
  }, stepOf('1'));
  expect(job.result === 'Succeeded', `the job run failed: ${job.resultMessage ?? ''}`);
  expect(Number(job.outputs.testsTotal) > 0 && job.outputs.testsFailed === '0', 'the job run published no passing tests');
  env.shared.integrationRunId = job.outputs.runId;

  const notebook = await env.runTask(
    task,
    `One-time run of ${demo.integrationNotebook} on serverless compute (its exit value is a JSON test report)`,
    {
      ...env.connectionInputs,
      runType: 'notebook',
      notebookPath: demo.integrationNotebook,
      notebookParameters: 'catalog=staging',
      compute: 'serverless',
      timeoutMinutes: '15',
    },
    stepOf('2'),
  );
  expect(notebook.result === 'Succeeded', `the notebook run failed: ${notebook.resultMessage ?? ''}`);
  console.log(`  runs: ${job.outputs.runId} (job), ${notebook.outputs.runId} (notebook); tests published: ${job.outputs.testsTotal} + ${notebook.outputs.testsTotal}`);
}
