/**
 * Demo step: check the challenger against a compliance policy with DatabricksModelCompliance@1 before
 * it is promoted. The challenger passes every rule (its comparison verdict comes from the audit row
 * the compare step wrote) and is tagged `compliance.status=passed`; the old baseline version is
 * refused in audit mode and tagged `failed`. The release gate DatabricksModelVersionGate@1 with
 * `requireCompliance` then passes the challenger only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { demo } from '../../tests/emulator/demo-workspace';
import { evaluateGate } from '../../tests/support/server-task';
import type { DemoEnvironment } from './environment';

const auditTable = 'main.mlops.decisions';

const policy = `# The demo's compliance policy (see pipelines-templates/examples/model-policy.yml).
version: 1
rules:
  - { id: version-ready, kind: versionStatus }
  - { id: documented, kind: versionDescription, minLength: 20 }
  - id: classified
    kind: versionTags
    required: { data_classification: [public, internal, confidential], owner_team: null }
  - { id: model-owned, kind: modelOwner, allowed: [${demo.owner}] }
  - { id: model-tags, kind: modelTags, required: { cost_center: null } }
  - { id: source-run, kind: sourceRun, requireGitCommit: true, requireDatasets: true, allowedDatasetSources: [main.ml] }
  - { id: signature, kind: signature }
  - { id: quality, kind: metricBounds, metrics: { roc_auc: { min: 0.85 }, latency_p95_ms: { max: 60 } } }
  - { id: compared, kind: comparisonDecision }
  - { id: lineage, kind: lineage }
`;

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`model compliance demo: ${message}`);
}

function complianceTag(env: DemoEnvironment, version: number): string {
  return env.emulator.state.models.get(demo.model)?.versions.get(version)?.tags.get('compliance.status') ?? '(none)';
}

/** Checks the challenger (compliant) and version 1 (refused), then evaluates the gate on both. */
export async function demoModelCompliance(env: DemoEnvironment): Promise<void> {
  const policyFile = path.join(env.workDirectory, 'model-policy.yml');
  fs.writeFileSync(policyFile, policy);
  const base = { ...env.connectionInputs, modelName: demo.model, policyFile, auditTable, sqlWarehouseId: demo.warehouseId };

  const passed = await env.runTask('DatabricksModelComplianceV1', 'Check the challenger against the compliance policy', { ...base, modelAlias: 'challenger' });
  expect(passed.result === 'Succeeded' && passed.outputs.compliant === 'true', `the challenger should comply, got ${passed.result}: ${passed.resultMessage ?? ''}`);

  const refused = await env.runTask('DatabricksModelComplianceV1', 'Check the baseline version 1 in audit mode (reported, not failed)', { ...base, modelVersion: '1', mode: 'audit' });
  expect(refused.result === 'SucceededWithIssues' && refused.outputs.compliant === 'false', `version 1 should be refused without failing, got ${refused.result}`);

  const candidate = Number(env.shared.candidateVersion || demo.candidateVersion);
  console.log(`  tags: version ${candidate} compliance.status=${complianceTag(env, candidate)}, version 1 compliance.status=${complianceTag(env, 1)}`);

  const gate = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tasks', 'DatabricksModelVersionGateV1', 'task.json'), 'utf8'));
  const endpoint = { url: env.emulator.url, type: 'databricks-workspace', scheme: 'Token', parameters: { apitoken: demo.pat } };
  const gatePasses = await evaluateGate(gate, { databricksConnection: 'demo', modelName: demo.model, alias: 'challenger', requireCompliance: 'true' }, endpoint);
  console.log(`  release gate (requireCompliance) on challenger: ${gatePasses.passed ? 'passes' : 'waits'}`);
  expect(gatePasses.passed, 'the gate should pass the compliant challenger');
}
