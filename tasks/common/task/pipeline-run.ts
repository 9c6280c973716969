import type { TaskInputs } from './task-context';

/** Where a decision was made, for audit rows, comments and summaries. Fields are absent when the agent did not set them. */
export interface PipelineRun {
  /** Link to the run: the build results page, or the release page for classic releases. */
  url?: string;
  /** The commit the run built (`Build.SourceVersion`). */
  sourceCommit?: string;
  /** Who queued the run (`Release.RequestedFor` in a classic release, else `Build.RequestedFor`). */
  requestedFor?: string;
}

/**
 * Reads the pipeline run's link, commit and requester from predefined variables.
 * Build: `System.CollectionUri` + url-encoded `System.TeamProject` + `/_build/results?buildId=` + `Build.BuildId`.
 * Classic release: `Release.ReleaseWebUrl`, which the agent sets only in releases.
 */
export function describePipelineRun(inputs: Pick<TaskInputs, 'variable'>): PipelineRun {
  const run: PipelineRun = {};
  const releaseUrl = inputs.variable('Release.ReleaseWebUrl');
  const collection = inputs.variable('System.CollectionUri');
  const project = inputs.variable('System.TeamProject');
  const buildId = inputs.variable('Build.BuildId');
  if (releaseUrl) {
    run.url = releaseUrl;
  } else if (collection && project && buildId) {
    const base = collection.endsWith('/') ? collection : `${collection}/`;
    run.url = `${base}${encodeURIComponent(project)}/_build/results?buildId=${encodeURIComponent(buildId)}`;
  }
  const commit = inputs.variable('Build.SourceVersion');
  if (commit) run.sourceCommit = commit;
  const requestedFor = (releaseUrl ? inputs.variable('Release.RequestedFor') : undefined) ?? inputs.variable('Build.RequestedFor');
  if (requestedFor) run.requestedFor = requestedFor;
  return run;
}
