/**
 * Demo step: put the promoted champion in front of traffic with DatabricksServingRollout@1: a canary
 * with 10% of the traffic and a smoke test on the new served entity, a re-run that sends nothing,
 * then the promotion of the canary. Every other setting of the endpoint stays as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { demo } from '../../tests/emulator/demo-workspace';
import type { DemoEnvironment } from './environment';

const auditTable = 'main.mlops.decisions';

function traffic(env: DemoEnvironment): string {
  const config = env.emulator.state.serving.endpoints.get(demo.servingEndpoint)?.config;
  if (!config) return '(not serving)';
  return (config.traffic.routes ?? []).map((route) => `${route.served_entity_name} ${route.traffic_percentage}%`).join(', ');
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`serving rollout demo: ${message}`);
}

/** Canary of the promoted version, a no-op re-run, then the canary's promotion. */
export async function demoServingRollout(env: DemoEnvironment): Promise<void> {
  const version = env.shared.promotedVersion || String(demo.candidateVersion);
  const request = path.join(env.workDirectory, 'serving-smoke-request.json');
  fs.writeFileSync(request, JSON.stringify({ dataframe_split: { columns: ['tenure_months'], data: [[1], [39]] } }));
  const inputs = {
    ...env.connectionInputs,
    endpointName: demo.servingEndpoint,
    modelName: demo.model,
    modelVersion: version,
    smokeTestFile: request,
    smokeTestExpect: '{"predictions": [0.5, 0.025], "tolerance": 0.001}',
    auditTable,
    sqlWarehouseId: demo.warehouseId,
  };
  console.log(`  endpoint ${demo.servingEndpoint} before: ${traffic(env)}`);

  const canary = await env.runTask('DatabricksServingRolloutV1', `Canary: version ${version} takes 10% of the traffic, smoke-tested on its own`, { ...inputs, strategy: 'canary', canaryPercent: '10' });
  expect(canary.result === 'Succeeded', `the canary failed: ${canary.resultMessage ?? ''}`);
  console.log(`  endpoint now: ${traffic(env)}`);

  const rerun = await env.runTask('DatabricksServingRolloutV1', 'Re-run the canary step: the endpoint already serves it, nothing is sent', { ...inputs, strategy: 'canary', canaryPercent: '10' });
  expect(rerun.result === 'Succeeded', 'the re-run did not succeed');

  const promoted = await env.runTask('DatabricksServingRolloutV1', `Promote the canary: version ${version} takes all the traffic`, { ...inputs, strategy: 'promoteCanary' });
  expect(promoted.result === 'Succeeded' && promoted.outputs.servedVersion === version, `the promotion failed: ${promoted.resultMessage ?? ''}`);
  console.log(`  endpoint at the end: ${traffic(env)} (inference table and tags untouched)`);
}
