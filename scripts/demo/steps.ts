/**
 * The demo flow, in pipeline order. Each module exports one step function taking the environment;
 * `task` is the task the step runs, so a test can hold the promotion steps to the order of
 * pipelines-templates/stages/model-promotion.yml.
 */
export interface DemoStep {
  title: string;
  /** Module path relative to scripts/demo/. */
  module: string;
  exportName: string;
  /** The task the step runs, as pipelines reference it (`Name@1`). */
  task: string;
}

export const demoSteps: DemoStep[] = [
  { title: 'Pull request: integration tests on Databricks', module: './integration-tests', exportName: 'demoIntegrationTests', task: 'DatabricksIntegrationTests@1' },
  { title: 'Release: build the release bundle', module: './release-bundle', exportName: 'demoReleaseBundle', task: 'DatabricksReleaseBundle@1' },
  { title: 'Release: deploy the bundle', module: './bundle-deploy', exportName: 'demoBundleDeploy', task: 'DatabricksBundleDeploy@1' },
  { title: 'Model promotion: compare with the champion', module: './model-compare', exportName: 'demoModelCompare', task: 'DatabricksModelCompare@1' },
  { title: 'Model promotion: gate on compliance', module: './model-compliance', exportName: 'demoModelCompliance', task: 'DatabricksModelCompliance@1' },
  { title: 'Model promotion: manual sign-off', module: './model-signoff', exportName: 'demoModelSignOff', task: 'DatabricksModelSignOff@1' },
  { title: 'Model promotion: move the aliases', module: './model-promote', exportName: 'demoModelPromote', task: 'DatabricksModelPromote@1' },
  { title: 'Model promotion: canary rollout on the serving endpoint and its promotion', module: './serving-rollout', exportName: 'demoServingRollout', task: 'DatabricksServingRollout@1' },
  { title: 'Retrain on drift: scheduled drift check', module: './drift-check', exportName: 'demoDriftCheck', task: 'DatabricksDriftCheck@1' },
];
