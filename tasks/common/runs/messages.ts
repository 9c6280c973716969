import { createMessages } from '../azure-devops/messages';

/**
 * What DatabricksIntegrationTests@1 says when it stops: the task result and the errors a pipeline
 * author acts on, as templates with `%s` filled in order. The task's task.json `messages` holds the
 * same templates (a test keeps them equal), so the manifest documents what the task really says.
 */
export const runMessages = {
  NoJobNamed: "There is no job named '%s' in %s.",
  AmbiguousJob: "The job name '%s' is ambiguous in %s: jobs %s all have it. Use 'jobId' instead.",
  NoJobWithId: 'There is no job with id %s in %s.',
  UndefinedJobParameters: "The job parameters %s are not defined by job %s '%s' (it defines: %s). Fix the key in 'jobParameters', or define the parameter in the job (in a bundle: resources.jobs.<key>.parameters).",
  NoRunTarget: "There is no %s at '%s' in %s.",
  RunTargetIsFolder: "'%s' in %s is a folder, not a %s.",
  RunDidNotSucceed: 'The Databricks run %s (%s of %s tests failed).',
  ResultsUnreadable: 'The Databricks run succeeded but its test results could not be read: %s',
  TestsFailed: 'The Databricks run succeeded but %s of %s tests failed.',
  TestsFailedTolerated: 'The Databricks run succeeded; %s of %s tests failed (failOnTestFailure is false).',
  Passed: 'The Databricks run succeeded; %s of %s tests passed, %s skipped.',
  TimedOut: 'The Databricks run %s did not finish within %s (timeoutMinutes); %s.',
  StepCancelled: 'The step was cancelled while Databricks run %s was %s; %s.',
  WaitFailed: 'Waiting for Databricks run %s failed: %s; %s.',
} as const;

/** A message of {@link runMessages} with its `%s` filled in order. */
export const runMessage = createMessages(runMessages);
