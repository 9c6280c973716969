/**
 * DatabricksModelPromote@1 against the workspace emulator: alias moves, concurrent changes, rollback,
 * re-runs, ownership and the audit row, run in process on a simulated clock; and two runs of the
 * built bundle as the agent runs it, for what only the process shows (the `##vso` commands of the
 * result, outputs, secret and summary, and the failure message the agent reports).
 * Build first: `npm run build -- DatabricksModelPromoteV1`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Emulator } from '../../emulator';
import type { HttpTransport } from '../../../tasks/common/http/transport';
import { run as promoteTask } from '../../../tasks/DatabricksModelPromoteV1/run';
import { runRecorded, useWorkspace, type RecordedRun } from '../../support/in-process-models';
import { runTaskBundle, type TaskRun } from '../../support/task-bundle';
import { patConnection, tableRows } from '../../support/in-process';

const task = 'DatabricksModelPromoteV1';
const model = 'main.ml.churn';
const owner = '6f1c2a7e-0000-4000-8000-00000000c0de';
const auditTable = 'main.mlops.decisions';

const scenario = {
  identities: { pats: { 'dapi-owner-token': owner, 'dapi-reader-token': 'reader@example.com' } },
  models: [
    {
      fullName: model,
      owner,
      versions: [{ version: 3 }, { version: 4 }, { version: 5 }, { version: 6, status: 'PENDING_REGISTRATION' as const }],
      aliases: { champion: 4, challenger: 5 },
    },
  ],
  warehouses: ['wh1'],
};

const variables = {
  'System.CollectionUri': 'https://dev.azure.com/contoso/',
  'System.TeamProject': 'ML Platform',
  'Build.BuildId': '812',
  'Build.SourceVersion': '3f9c2d1e8b7a',
  'Build.RequestedFor': 'Ada Lovelace',
};

/**
 * Lets `act` change the workspace when the task sends a request `matches` picks, just before the
 * emulator sees it: another writer racing the task, at a point the test chooses.
 */
function racing(matches: (method: string, path: string) => boolean, act: () => void): (inner: HttpTransport) => HttpTransport {
  return (inner) => ({
    send(request, signal) {
      if (matches(request.method, new URL(request.url).pathname)) act();
      return inner.send(request, signal);
    },
  });
}

describe('DatabricksModelPromote@1 in process', () => {
  const workspace = useWorkspace(scenario);
  let emulator: Emulator;
  before(() => ({ emulator } = workspace));

  function promote(inputs: Record<string, string>, token = 'dapi-owner-token', transport?: (inner: HttpTransport) => HttpTransport): Promise<RecordedRun> {
    return runRecorded(promoteTask, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', modelName: model, ...inputs },
      endpoints: patConnection(emulator.url, token),
      variables,
      clock: workspace.clock,
      transport,
    });
  }

  function aliases(): Record<string, number> {
    const record = emulator.state.models.get(model);
    assert.ok(record);
    return Object.fromEntries([...record.aliases].sort(([a], [b]) => a.localeCompare(b)));
  }

  function aliasWrites(): string[] {
    return emulator.requests
      .filter((r) => (r.method === 'PUT' || r.method === 'DELETE') && r.path.includes('/aliases/'))
      .map((r) => `${r.method} ${r.path.slice(r.path.lastIndexOf('/') + 1)}`);
  }

  function auditRows(): Record<string, string | null>[] {
    return tableRows(emulator, auditTable);
  }

  it('promotes: moves champion, keeps the previous champion, removes the challenger', async () => {
    const run = await promote({ version: '5', expectedCurrentVersion: '4' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(aliases(), { champion: 5, previous_champion: 4 });
    assert.deepEqual(run.outputs, { previousVersion: '4', promotedVersion: '5' });
    assert.deepEqual(aliasWrites(), ['PUT previous_champion', 'PUT champion', 'DELETE challenger']);
    assert.ok(run.secrets.includes('dapi-owner-token'));
    assert.deepEqual(run.summaries.map((s) => s.title), ['Model promotion'], 'a section title people can read, not the temp file name');
    assert.match(run.summaries[0].content, /champion/);
    for (const request of emulator.requests.filter((r) => r.method === 'GET' && r.path.includes('/unity-catalog/'))) {
      assert.equal(request.query.include_aliases, 'true', request.path);
    }
  });

  it('fails without moving anything when the champion changed since the pipeline saw it', async () => {
    const run = await promote({ version: '5', expectedCurrentVersion: '3' });
    assert.equal(run.result, 'Failed');
    assert.deepEqual(aliasWrites(), []);
    assert.deepEqual(aliases(), { challenger: 5, champion: 4 });
    assert.deepEqual(run.outputs, {});
  });

  it('fails without moving anything when another writer moves the champion while the task runs', async () => {
    // Another writer moves the champion just before the task's write of previous_champion arrives.
    const keepPrevious = `/api/2.1/unity-catalog/models/${model}/aliases/previous_champion`;
    let moved = false;
    const move = (): void => {
      moved = true;
      emulator.state.models.get(model)?.aliases.set('champion', 3);
    };
    const run = await promote({ version: '5', expectedCurrentVersion: '4' }, undefined, racing((method, path) => !moved && method === 'PUT' && path === keepPrevious, move));
    assert.ok(moved, 'the task never started keeping the previous champion');
    assert.equal(run.result, 'Failed');
    // The task put previous_champion back (it did not exist) and never wrote the champion.
    assert.deepEqual(aliases(), { challenger: 5, champion: 3 });
    assert.ok(!aliasWrites().includes('PUT champion'));
    assert.deepEqual(run.outputs, {});
  });

  it("treats 'none' as no champion expected", async () => {
    const refused = await promote({ version: '5', expectedCurrentVersion: 'none' });
    assert.equal(refused.result, 'Failed');
    assert.deepEqual(aliasWrites(), []);
    emulator.state.models.get(model)?.aliases.delete('champion');
    const first = await promote({ version: '5', expectedCurrentVersion: 'none' });
    assert.equal(first.result, 'Succeeded', first.message);
    assert.deepEqual(aliases(), { champion: 5 });
    assert.deepEqual(first.outputs, { previousVersion: '', promotedVersion: '5' });
  });

  it('refuses an unresolved output variable of another job and a bad model name, before any call', async () => {
    const run = await promote({ version: '$(compare.candidateVersion)', expectedCurrentVersion: '4' });
    assert.equal(run.result, 'Failed');
    assert.ok(run.message.includes("'$(compare.candidateVersion)'"), run.message);
    const badModel = await promote({ modelName: 'churn', version: '5' });
    assert.equal(badModel.result, 'Failed');
    assert.match(badModel.message, /'modelName' 'churn'/);
    assert.deepEqual(emulator.requests, []);
  });

  it('refuses a version that is not READY', async () => {
    const run = await promote({ version: '6', expectedCurrentVersion: '4' });
    assert.equal(run.result, 'Failed');
    assert.deepEqual(aliasWrites(), []);
  });

  it('rolls back to the previous champion', async () => {
    assert.equal((await promote({ version: '5', expectedCurrentVersion: '4' })).result, 'Succeeded');
    const run = await promote({ action: 'rollback', expectedCurrentVersion: '5' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(aliases(), { champion: 4 });
    assert.deepEqual(run.outputs, { previousVersion: '5', promotedVersion: '4' });
  });

  it('is idempotent: a re-run writes nothing and succeeds with the same outputs', async () => {
    const first = await promote({ version: '5', expectedCurrentVersion: '4' });
    assert.equal(first.result, 'Succeeded');
    const writes = aliasWrites().length;
    const again = await promote({ version: '5', expectedCurrentVersion: '4' });
    assert.equal(again.result, 'Succeeded', again.message);
    assert.equal(aliasWrites().length, writes);
    assert.deepEqual(again.outputs, first.outputs);
    assert.deepEqual(aliases(), { champion: 5, previous_champion: 4 });
  });

  it('finishes a promotion whose first run stopped after moving the champion', async () => {
    // The state a run leaves when it dies after the champion PUT, before removing the challenger.
    const record = emulator.state.models.get(model);
    record?.aliases.set('previous_champion', 4);
    record?.aliases.set('champion', 5);
    const run = await promote({ version: '5', expectedCurrentVersion: '4' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.deepEqual(aliases(), { champion: 5, previous_champion: 4 });
    assert.deepEqual(aliasWrites(), ['DELETE challenger']);
  });

  it('explains a 403: only the model owner may set aliases', async () => {
    const run = await promote({ version: '5', expectedCurrentVersion: '4' }, 'dapi-reader-token');
    assert.equal(run.result, 'Failed');
    assert.match(run.message, new RegExp(owner));
    assert.match(run.message, /service connection 'CONN'/);
    assert.deepEqual(aliases(), { challenger: 5, champion: 4 });
  });

  describe('audit record', () => {
    // A warehouse that is already running, except where a test says otherwise.
    beforeEach(() => emulator.seed({ statementPendingPolls: 0 }));

    it('writes one row whose values came as named parameters, waiting for a starting warehouse', async () => {
      emulator.seed({ statementPendingPolls: 1 });
      const run = await promote({ version: '5', expectedCurrentVersion: '4', auditTable, sqlWarehouseId: 'wh1' });
      assert.equal(run.result, 'Succeeded', run.message);
      const rows = auditRows();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].event_type, 'promote');
      assert.equal(rows[0].model_name, model);
      assert.equal(rows[0].model_version, '5');
      assert.equal(rows[0].other_version, '4');
      assert.equal(rows[0].decision, 'promote');
      assert.equal(rows[0].pipeline_run_url, 'https://dev.azure.com/contoso/ML%20Platform/_build/results?buildId=812');
      assert.equal(rows[0].source_commit, '3f9c2d1e8b7a');
      assert.equal(rows[0].requested_for, 'Ada Lovelace');
      assert.equal(rows[0].task, 'DatabricksModelPromote@1');
      assert.equal((JSON.parse(rows[0].details ?? '{}') as { alias: string }).alias, 'champion');

      assert.ok(emulator.requestsTo('GET', /^\/api\/2\.0\/sql\/statements\/[^/]+$/).length >= 2, 'polled while PENDING');
      const inserts = [...emulator.state.statements.values()].filter((s) => /^\s*INSERT/i.test(s.statement));
      assert.equal(inserts.length, 1);
      const [insert] = inserts;
      assert.equal(insert.warehouseId, 'wh1');
      const sent = Object.fromEntries(insert.parameters.map((p) => [p.name, p.value]));
      assert.equal(sent.model_name, model);
      assert.equal(sent.requested_for, 'Ada Lovelace');
      for (const value of [model, 'Ada Lovelace', '3f9c2d1e8b7a', 'champion']) assert.ok(!insert.statement.includes(value), `'${value}' is in the SQL text`);
    });

    it('records its own move when another writer moves the champion right after it', async () => {
      // Once the task's PUT of the champion is sent, its next read of the champion is the check after
      // the write: another writer moves the alias just before that read arrives.
      const champion = `/api/2.1/unity-catalog/models/${model}/aliases/champion`;
      let written = false;
      let moved = false;
      const readAfterWrite = (method: string, path: string): boolean => {
        if (method === 'PUT' && path === champion) written = true;
        return written && !moved && method === 'GET' && path === champion;
      };
      const move = (): void => {
        moved = true;
        emulator.state.models.get(model)?.aliases.set('champion', 3);
      };
      const run = await promote({ version: '5', expectedCurrentVersion: '4', auditTable, sqlWarehouseId: 'wh1' }, undefined, racing(readAfterWrite, move));
      assert.ok(moved, 'no read of the champion after its write');
      assert.equal(run.result, 'Failed');
      assert.equal(aliases().champion, 3);
      const rows = auditRows();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].decision, 'promote');
      assert.equal(rows[0].model_version, '5');
      assert.equal(JSON.parse(rows[0].details ?? '{}').foundVersion, 3);
    });

    it('records a refused promotion too', async () => {
      const run = await promote({ version: '5', expectedCurrentVersion: '3', auditTable, sqlWarehouseId: 'wh1' });
      assert.equal(run.result, 'Failed');
      const rows = auditRows();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].decision, 'refused');
      assert.equal(rows[0].other_version, '4');
    });

    it('fails the task when the row cannot be written', async () => {
      emulator.faults.failTableWrites({ table: auditTable });
      const run = await promote({ version: '5', expectedCurrentVersion: '4', auditTable, sqlWarehouseId: 'wh1' });
      assert.equal(run.result, 'Failed');
      assert.equal(auditRows().length, 0);
      // The re-run after the failure is a no-op for the aliases and writes the row.
      emulator.faults.clear();
      const again = await promote({ version: '5', expectedCurrentVersion: '4', auditTable, sqlWarehouseId: 'wh1' });
      assert.equal(again.result, 'Succeeded', again.message);
      assert.equal(auditRows().length, 1);
    });

    it('only warns when auditRequired is false', async () => {
      emulator.faults.failTableWrites({ table: auditTable });
      const run = await promote({ version: '5', expectedCurrentVersion: '4', auditTable, sqlWarehouseId: 'wh1', auditRequired: 'false' });
      assert.equal(run.result, 'SucceededWithIssues', run.message);
      assert.ok(run.log.some((line) => line.startsWith('warn ')), run.log.join('\n'));
      assert.deepEqual(aliases(), { champion: 5, previous_champion: 4 });
      assert.deepEqual(run.outputs, { previousVersion: '4', promotedVersion: '5' });
    });
  });
});

describe('DatabricksModelPromote@1 bundle', function () {
  this.timeout(60_000);
  const workspace = useWorkspace(scenario, { realClock: true });
  let emulator: Emulator;
  before(() => ({ emulator } = workspace));

  function promote(inputs: Record<string, string>): Promise<TaskRun> {
    return runTaskBundle(task, {
      inputs: { connectionType: 'databricks', databricksConnection: 'CONN', modelName: model, ...inputs },
      endpoints: patConnection(emulator.url, 'dapi-owner-token'),
      variables,
      timeoutMs: 30_000,
    });
  }

  it('hands the agent the promotion: result, output variables, masked token and a titled summary', async () => {
    const run = await promote({ version: '5', expectedCurrentVersion: '4' });
    assert.equal(run.result, 'Succeeded', run.resultMessage);
    assert.deepEqual(run.outputs, { previousVersion: '4', promotedVersion: '5' });
    assert.equal(emulator.state.models.get(model)?.aliases.get('champion'), 5);
    assert.ok(run.secrets.includes('dapi-owner-token'));
    assert.equal(run.summaries.length, 1);
    assert.deepEqual(run.summaryTitles, ['Model promotion'], 'a section title people can read, not the temp file name');
    assert.ok(fs.existsSync(run.summaries[0]));
  });

  it('explains an unresolved output variable of another job and names inputs by their classic label, before any call', async () => {
    const run = await promote({ version: '$(compare.candidateVersion)', expectedCurrentVersion: '4' });
    assert.equal(run.result, 'Failed');
    assert.match(run.resultMessage ?? '', /dependencies\.<job>\.outputs\['compare\.candidateVersion'\]/);
    assert.deepEqual(emulator.requests.filter((r) => r.path.includes('/unity-catalog/')), []);
    const badModel = await promote({ modelName: 'churn', version: '5' });
    assert.match(badModel.resultMessage ?? '', /Classic editor: 'modelName' is 'Model'/);
  });
});
