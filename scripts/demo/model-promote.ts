/**
 * Demo step: move the champion alias to the candidate the compare step accepted, with
 * DatabricksModelPromote@1, and show what makes the move safe: a stale expectation is refused without
 * moving anything, a re-run is a no-op, a non-owner gets an explained 403, and a rollback restores
 * the previous champion. Every decision lands in the lakehouse audit table.
 */
import { demo } from '../../tests/emulator/demo-workspace';
import type { DemoEnvironment } from './environment';

const auditTable = 'main.mlops.decisions';

function aliases(env: DemoEnvironment): string {
  const model = env.emulator.state.models.get(demo.model);
  if (!model) return '(model missing)';
  return [...model.aliases].sort(([a], [b]) => a.localeCompare(b)).map(([alias, version]) => `${alias}=${version}`).join(', ');
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`model promote demo: ${message}`);
}

/** Promotes, shows the safeguards, rolls back, re-promotes and prints the audit rows. */
export async function demoModelPromote(env: DemoEnvironment): Promise<void> {
  if (env.shared.decision === 'reject') {
    console.log('  The compare step rejected the candidate: nothing to promote.');
    return;
  }
  const candidate = env.shared.candidateVersion || String(demo.candidateVersion);
  const champion = env.shared.championVersion || String(demo.championVersion);
  const audit = { auditTable, sqlWarehouseId: demo.warehouseId };
  const promote = { ...env.connectionInputs, modelName: demo.model, version: candidate, expectedCurrentVersion: champion, ...audit };
  console.log(`  aliases before: ${aliases(env)}`);

  const promoted = await env.runTask('DatabricksModelPromoteV1', `Promote version ${candidate} to champion (the pipeline saw version ${champion} as champion)`, promote);
  expect(promoted.result === 'Succeeded', `promotion failed: ${promoted.resultMessage ?? ''}`);
  console.log(`  aliases now: ${aliases(env)}`);

  const rerun = await env.runTask('DatabricksModelPromoteV1', 'Re-run the same step (as after a network failure): nothing moves, same outputs', promote);
  expect(rerun.result === 'Succeeded' && rerun.outputs.promotedVersion === candidate, 'the re-run did not succeed with the same outputs');

  const stale = await env.runTask(
    'DatabricksModelPromoteV1',
    `Another pipeline still believes version ${champion} is champion: refused, nothing moves`,
    { ...promote, version: String(demo.championVersion), expectedCurrentVersion: champion },
  );
  expect(stale.result === 'Failed', 'a stale expectation was not refused');
  console.log(`  aliases unchanged: ${aliases(env)}`);

  const readerConnection = 'databricks-reader';
  const forbidden = await env.runTask(
    'DatabricksModelPromoteV1',
    'A connection whose identity does not own the model: the 403 is explained',
    { ...promote, databricksConnection: readerConnection, version: String(demo.championVersion), expectedCurrentVersion: candidate, auditTable: '', sqlWarehouseId: '' },
    { endpoints: { [readerConnection]: { url: env.workspaceUrl, scheme: 'Token', parameters: { apitoken: demo.readerPat } } } },
  );
  expect(forbidden.result === 'Failed', 'a non-owner was able to move the alias');

  const rollback = await env.runTask('DatabricksModelPromoteV1', 'Roll back: champion returns to the previous champion', {
    ...env.connectionInputs,
    modelName: demo.model,
    action: 'rollback',
    expectedCurrentVersion: candidate,
    ...audit,
  });
  expect(rollback.result === 'Succeeded' && rollback.outputs.promotedVersion === champion, 'rollback did not restore the previous champion');
  console.log(`  aliases after rollback: ${aliases(env)}`);

  // Leave the workspace promoted, as a release would after fixing whatever prompted the rollback.
  const again = await env.runTask('DatabricksModelPromoteV1', `Promote version ${candidate} again`, promote);
  expect(again.result === 'Succeeded', 'the second promotion failed');
  console.log(`  aliases at the end: ${aliases(env)}`);

  const table = env.emulator.state.tables.get(auditTable);
  console.log(`\n  Audit table ${auditTable} (written with named parameters only):`);
  for (const row of table?.rows ?? []) {
    const value = (name: string): string => row[table!.columns.findIndex((column) => column.name === name)] ?? 'NULL';
    console.log(`    ${value('event_time')}  ${value('event_type')}  ${value('decision').padEnd(8)} v${value('model_version')} (was ${value('other_version')})  ${value('pipeline_run_url')}`);
  }
  env.shared.promotedVersion = candidate;
}
