/**
 * The demo workspace behind `npm run emulator` and `npm run demo`: a CI job whose tests write JUnit
 * XML to a volume, a notebook that returns a JSON test report, a churn model with a champion and a
 * newer READY candidate (MLflow runs with metrics on the same evaluation dataset), an evaluation job
 * that scores both, a SQL warehouse, and credentials for every auth path. Everything is public demo
 * data: the "secrets" below exist only inside the emulator.
 */
import type { Scenario, TaskRunContext } from './scenario';
import { tableLineage } from './lineage-table';

/** Names and credentials the demo and its docs refer to. */
export const demo = {
  owner: 'mlops-owner@example.com',
  /** Personal access token of the owner (the emulator's PAT scheme). */
  pat: 'dapi-demo-0000000000000000000000000000',
  /** A reader without ownership of the model (alias writes are 403 for it). */
  readerPat: 'dapi-demo-reader-000000000000000000000',
  reader: 'data-scientist@example.com',
  servicePrincipal: {
    applicationId: '9f0c7a55-3c1b-4e8e-9d5a-0d3f5e6a7b01',
    oauthSecret: 'dose-demo-oauth-secret',
    tenantId: '72f988bf-0000-4000-8000-000000000001',
    entraSecret: 'demo~entra~client~secret',
    serviceConnectionId: '5d6c1a3e-7f1b-4c0f-8a9d-3a2b1c0d9e8f',
  },
  systemAccessToken: 'ado-demo-system-access-token-0000000000000000000000000000',
  warehouseId: 'd1e2m3o4w5a6r7e8',
  integrationJob: 'integration-tests',
  integrationNotebook: '/Repos/ci/tests/run_integration',
  junitPath: '/Volumes/main/ci/test_results/integration-tests/junit.xml',
  evaluationJob: 'churn-evaluation',
  model: 'main.ml.churn',
  championVersion: 3,
  candidateVersion: 4,
  pairedScoresTable: 'main.ml.churn_eval_scores',
  trainingTable: 'main.ml.churn_features',
  /** Model Serving endpoint that serves the champion (seeded with version 3). */
  servingEndpoint: 'churn-scoring',
} as const;

const demoSignature = { inputs: '[{"type": "double", "name": "tenure_months"}, {"type": "double", "name": "monthly_charges"}]', outputs: '[{"type": "long"}]' };

const dataset = { name: 'main.ml.churn_eval_2026_11', digest: 'sha256:5c0ffee1' };

const junit = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="integration-tests" tests="4" failures="0" errors="0" skipped="1" time="41.2">
  <testsuite name="churn_pipeline" tests="4" failures="0" errors="0" skipped="1" time="41.2">
    <testcase classname="churn_pipeline.features" name="test_feature_table_schema" time="3.1"/>
    <testcase classname="churn_pipeline.features" name="test_no_nulls_in_keys" time="5.4"/>
    <testcase classname="churn_pipeline.training" name="test_model_trains_on_sample" time="32.7"/>
    <testcase classname="churn_pipeline.serving" name="test_endpoint_smoke" time="0.0">
      <skipped message="serving endpoint not deployed in staging"/>
    </testcase>
  </testsuite>
</testsuites>
`;

const testReport = {
  tests: [
    { name: 'test_ingest_reads_bronze', classname: 'integration.ingest', status: 'passed', durationMs: 2100 },
    { name: 'test_scoring_job_end_to_end', classname: 'integration.scoring', status: 'passed', durationMs: 18400 },
    { name: 'test_drift_monitor_table', classname: 'integration.monitoring', status: 'skipped', durationMs: 0, message: 'monitor disabled' },
  ],
};

const championMetrics = { roc_auc: 0.861, rmse: 0.342, latency_p95_ms: 48 };
const candidateMetrics = { roc_auc: 0.884, rmse: 0.327, latency_p95_ms: 51 };

/** Deterministic per-example scores whose means equal the metric values above. */
function pairedScores(mean: number, seed: number, count = 20): number[] {
  const deltas = Array.from({ length: count }, (_, i) => Math.sin(seed * 31 + i * 7) * 0.02);
  const offset = deltas.reduce((a, b) => a + b, 0) / count;
  return deltas.map((d) => Number((mean + d - offset).toFixed(6)));
}

function evaluationOutput(context: TaskRunContext): object {
  return {
    dataset,
    model_name: context.jobParameters.model_name ?? demo.model,
    candidate_version: context.jobParameters.candidate_version ?? String(demo.candidateVersion),
    champion_version: context.jobParameters.champion_version ?? String(demo.championVersion),
    candidate: candidateMetrics,
    champion: championMetrics,
    paired: {
      roc_auc: { candidate: pairedScores(candidateMetrics.roc_auc, 1), champion: pairedScores(championMetrics.roc_auc, 2) },
    },
  };
}

function metrics(values: Record<string, number>, timestamp: number): NonNullable<Scenario['mlflowRuns']>[number]['metrics'] {
  return Object.entries(values).map(([key, value]) => ({
    key,
    value,
    step: 0,
    timestamp,
    datasetName: dataset.name,
    datasetDigest: dataset.digest,
  }));
}

const created = Date.UTC(2026, 10, 1);

/** The demo workspace as `npm run demo` uses it: the scenario, the owner's PAT and the names. */
export interface DemoWorkspace {
  scenario: Scenario;
  /** Personal access token of the demo service connection (the model owner). */
  token: string;
  names: typeof demo;
}

/** The churn scoring endpoint serving the champion, and how every churn version answers a query. */
function demoServing(): NonNullable<Scenario['serving']> {
  return {
    updateMs: 1_500,
    endpoints: [
      {
        name: demo.servingEndpoint,
        creator: demo.owner,
        config: {
          served_entities: [
            {
              name: `churn-${demo.championVersion}`,
              entity_name: demo.model,
              entity_version: String(demo.championVersion),
              workload_size: 'Small',
              scale_to_zero_enabled: true,
              environment_vars: { FEATURE_STORE_TOKEN: '{{secrets/ml/feature-store-token}}' },
            },
          ],
          auto_capture_config: { catalog_name: 'main', schema_name: 'ml', table_name_prefix: 'churn_scoring', enabled: true },
        },
        tags: [{ key: 'team', value: 'customer-ml' }],
      },
    ],
    // Churn probability for each row of a `dataframe_split` request: long tenure, low churn.
    models: [
      {
        entityName: demo.model,
        entityVersion: '*',
        predict: (request) => {
          const rows = (request as { dataframe_split?: { data?: number[][] } }).dataframe_split?.data ?? [];
          return { body: { predictions: rows.map(([tenure]) => Math.round(1000 / (1 + (tenure ?? 0))) / 1000) } };
        },
      },
    ],
  };
}

/** A fresh demo workspace (a new scenario object each call, so runs cannot leak between demos). */
export function createDemoWorkspace(): DemoWorkspace {
  return { scenario: demoScenario(), token: demo.pat, names: demo };
}

/** The demo scenario. */
export function demoScenario(): Scenario {
  const scores = pairedScores(candidateMetrics.roc_auc, 1).map((candidate, i) => [
    'roc_auc',
    String(i + 1),
    String(candidate),
    String(pairedScores(championMetrics.roc_auc, 2)[i]),
  ]);
  return {
    identities: {
      pats: { [demo.pat]: demo.owner, [demo.readerPat]: demo.reader },
      servicePrincipals: [
        {
          applicationId: demo.servicePrincipal.applicationId,
          displayName: 'mlops-deployer',
          oauthSecret: demo.servicePrincipal.oauthSecret,
          federation: {},
          entra: {
            tenantId: demo.servicePrincipal.tenantId,
            clientSecret: demo.servicePrincipal.entraSecret,
            federatedServiceConnectionIds: [demo.servicePrincipal.serviceConnectionId],
          },
        },
      ],
    },
    azureDevOps: { organization: 'org', systemAccessTokens: [demo.systemAccessToken], pipelineSubject: 'p://org/mlops/churn-release' },
    notebooks: {
      [demo.integrationNotebook]: { pending: 1, running: 2, result: 'SUCCESS', notebookOutput: testReport },
      '/Repos/ci/tests/run_pytest': { pending: 1, running: 3, result: 'SUCCESS', notebookOutput: 'ok', files: { [demo.junitPath]: junit } },
      '/Repos/ml/churn/evaluate': { pending: 1, running: 2, result: 'SUCCESS', notebookOutput: evaluationOutput },
    },
    jobs: [
      {
        name: demo.integrationJob,
        creator: demo.owner,
        parameters: { environment: 'staging', git_sha: 'main' },
        tasks: [
          { taskKey: 'unit_and_integration', notebookPath: '/Repos/ci/tests/run_pytest', baseParameters: { results_dir: '/Volumes/main/ci/test_results/integration-tests' } },
          { taskKey: 'end_to_end', notebookPath: demo.integrationNotebook, dependsOn: ['unit_and_integration'] },
        ],
      },
      {
        name: demo.evaluationJob,
        creator: demo.owner,
        parameters: { model_name: demo.model, candidate_version: '', champion_version: '' },
        tasks: [{ taskKey: 'evaluate', notebookPath: '/Repos/ml/churn/evaluate' }],
      },
    ],
    models: [
      {
        fullName: demo.model,
        owner: demo.owner,
        comment: 'Customer churn classifier',
        versions: [
          { version: 1, runId: 'run-churn-v1', status: 'READY', createdAt: created, comment: 'baseline' },
          { version: 2, runId: 'run-churn-v2', status: 'FAILED_REGISTRATION', createdAt: created + 86_400_000 },
          { version: demo.championVersion, runId: 'run-churn-v3', status: 'READY', createdAt: created + 2 * 86_400_000, tags: { validation_status: 'passed' } },
          {
            version: demo.candidateVersion,
            runId: 'run-churn-v4',
            status: 'READY',
            createdAt: created + 9 * 86_400_000,
            // What the compliance step's policy asks for (version 1 has none of it and is refused).
            tags: { data_classification: 'internal', owner_team: 'customer-ml' },
          },
        ],
        aliases: { champion: demo.championVersion, challenger: demo.candidateVersion },
        tags: { team: 'customer-ml', cost_center: 'cc-churn' },
      },
    ],
    mlflowRuns: [
      { runId: 'run-churn-v1', runName: 'churn-train-2026-10-20', experimentId: '4242', userId: demo.owner, metrics: metrics({ roc_auc: 0.812, rmse: 0.371, latency_p95_ms: 40 }, created) },
      {
        runId: 'run-churn-v3',
        runName: 'churn-train-2026-11-03',
        experimentId: '4242',
        userId: demo.owner,
        startTime: created + 2 * 86_400_000,
        metrics: metrics(championMetrics, created + 2 * 86_400_000),
        params: { max_depth: '6', learning_rate: '0.1' },
        tags: { 'mlflow.source.git.commit': '3f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b' },
        datasets: [{ name: dataset.name, digest: dataset.digest, context: 'eval' }],
      },
      {
        runId: 'run-churn-v4',
        runName: 'churn-train-2026-11-10',
        experimentId: '4242',
        userId: demo.owner,
        startTime: created + 9 * 86_400_000,
        metrics: [
          // An earlier epoch, so metric history has more than one point.
          { key: 'roc_auc', value: 0.871, step: 0, timestamp: created + 9 * 86_400_000, datasetName: dataset.name, datasetDigest: dataset.digest },
          ...metrics(candidateMetrics, created + 9 * 86_400_000 + 60_000)!.map((m) => ({ ...m, step: 1 })),
        ],
        params: { max_depth: '8', learning_rate: '0.05' },
        tags: {
          'mlflow.source.git.commit': '8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c',
          'mlflow.log-model.history': JSON.stringify([{ run_id: 'run-churn-v4', artifact_path: 'model', signature: demoSignature, flavors: { python_function: {} } }]),
        },
        datasets: [
          { name: dataset.name, digest: dataset.digest, context: 'eval' },
          { name: demo.trainingTable, digest: 'sha256:7ra1n', context: 'training', source: JSON.stringify({ delta_table_name: demo.trainingTable, delta_table_version: 17 }) },
        ],
      },
    ],
    warehouses: [demo.warehouseId],
    serving: demoServing(),
    tables: [
      {
        name: demo.pairedScoresTable,
        columns: [
          { name: 'metric', type: 'STRING' },
          { name: 'example_id', type: 'STRING' },
          { name: 'candidate_score', type: 'DOUBLE' },
          { name: 'champion_score', type: 'DOUBLE' },
        ],
        rows: scores,
      },
      tableLineage([['main.raw.customer_events', demo.trainingTable, 'JOB', '2026-11-09T06:00:00Z']]),
    ],
  };
}
