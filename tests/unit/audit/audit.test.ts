import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sinon from 'sinon';
import {
  AuditWriteError,
  auditColumns,
  auditEventTypes,
  createAuditRecorder,
  auditInputNames,
  parseAuditInputs,
  parseAuditTableName,
  recordAuditEvent,
  type AuditEvent,
  type AuditSettings,
} from '../../../tasks/common/audit';
import { describePipelineRun } from '../../../tasks/common/task/pipeline-run';
import { SqlStatements, type SqlStatement } from '../../../tasks/common/databricks/sql';
import { FakeTransport } from '../../fakes/transport';
import { FakeClock } from '../../fakes/clock';
import { fakeClient } from '../../fakes/client';

import { agentInputs } from './deciding-task';

/** Inputs and predefined variables from one map: each test sets only one kind. */
const inputs = (values: Record<string, string>): ReturnType<typeof agentInputs> => agentInputs(values, values);

const event: AuditEvent = {
  eventType: 'promote',
  modelName: 'main.ml.churn',
  modelVersion: 5,
  otherVersion: 4,
  decision: 'promote',
  details: { alias: 'champion', note: "it's fine" },
  task: 'DatabricksModelPromote@1',
  run: { url: 'https://dev.azure.com/org/proj/_build/results?buildId=7', sourceCommit: 'abc123', requestedFor: 'Ada' },
};

const enabled: AuditSettings = { enabled: true, table: parseAuditTableName('auditTable', 'main.audit.decisions'), warehouseId: 'wh1', required: true };

function logger(): { debug: sinon.SinonSpy; info: sinon.SinonSpy; warn: sinon.SinonSpy } {
  return { debug: sinon.spy(), info: sinon.spy(), warn: sinon.spy() };
}

describe('audit record', () => {
  describe('inputs', () => {
    it('matches the canonical input snippet', () => {
      const snippet = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../tasks/common/audit/audit-inputs.json'), 'utf8')) as {
        group: { name: string };
        inputs: { name: string; groupName: string; helpMarkDown: string }[];
      };
      assert.deepEqual(snippet.inputs.map((input) => input.name), Object.values(auditInputNames));
      for (const input of snippet.inputs) {
        assert.equal(input.groupName, snippet.group.name);
        assert.ok(input.helpMarkDown.length > 0);
      }
    });

    it('is off without a table and a warehouse', () => {
      assert.deepEqual(parseAuditInputs(inputs({})), { enabled: false });
    });

    it('reads table, warehouse and the required flag (true by default)', () => {
      const settings = parseAuditInputs(inputs({ auditTable: 'main.audit.decisions', sqlWarehouseId: 'abc123' }));
      assert.ok(settings.enabled);
      assert.equal(settings.table.quoted, '`main`.`audit`.`decisions`');
      assert.equal(settings.warehouseId, 'abc123');
      assert.equal(settings.required, true);
      const optional = parseAuditInputs(inputs({ auditTable: 'main.audit.decisions', sqlWarehouseId: 'abc123', auditRequired: 'False' }));
      assert.ok(optional.enabled && optional.required === false);
    });

    it('refuses half a configuration', () => {
      assert.throws(() => parseAuditInputs(inputs({ auditTable: 'main.audit.decisions' })), /'sqlWarehouseId' is required/);
      assert.throws(() => parseAuditInputs(inputs({ sqlWarehouseId: 'abc' })), /'auditTable' is required/);
    });

    it('refuses a bad flag and a bad warehouse id', () => {
      assert.throws(() => parseAuditInputs(inputs({ auditRequired: 'yes' })), /Invalid 'auditRequired' 'yes': expected true or false/);
      assert.throws(() => parseAuditInputs(inputs({ auditTable: 'a.b.c', sqlWarehouseId: 'x; y' })), /Invalid 'sqlWarehouseId'/);
    });

    for (const bad of ['decisions', 'audit.decisions', 'a.b.c.d', 'main.audit.`x`', 'main.audit.x; DROP TABLE y', "main.audit.x'", 'main. audit.x', 'main.audit.', 'main.audit.dé', 'main.au`dit.x', 'main.audit.x\u200b', 'main.audit.ｘ', 'main.audit\u2024x.y']) {
      it(`refuses the table name '${bad}'`, () => {
        assert.throws(() => parseAuditTableName('auditTable', bad), /Invalid 'auditTable'.*<catalog>\.<schema>\.<table>/);
      });
    }

    it('quotes hyphenated names', () => {
      assert.equal(parseAuditTableName('auditTable', 'dev-catalog.ml_audit.decisions').quoted, '`dev-catalog`.`ml_audit`.`decisions`');
    });
  });

  describe('writing', () => {
    it('creates the table, then inserts one row whose every value is a named parameter', async () => {
      const execute = sinon.stub<[SqlStatement], Promise<{ statementId: string }>>().resolves({ statementId: 's' });
      const clock = new FakeClock();
      const outcome = await recordAuditEvent({ sql: { execute } as never, clock, logger: logger() }, enabled, event);
      assert.deepEqual(outcome, { status: 'written', table: 'main.audit.decisions', statementId: 's' });
      assert.equal(execute.callCount, 2);
      const [create] = execute.firstCall.args;
      assert.equal(
        create.statement,
        'CREATE TABLE IF NOT EXISTS `main`.`audit`.`decisions` (event_time TIMESTAMP, event_type STRING, model_name STRING, model_version STRING, other_version STRING, decision STRING, details STRING, pipeline_run_url STRING, source_commit STRING, requested_for STRING, task STRING) USING DELTA',
      );
      assert.equal(create.parameters, undefined);
      const [insert] = execute.secondCall.args;
      assert.equal(
        insert.statement,
        'INSERT INTO `main`.`audit`.`decisions` (event_time, event_type, model_name, model_version, other_version, decision, details, pipeline_run_url, source_commit, requested_for, task) VALUES (:event_time, :event_type, :model_name, :model_version, :other_version, :decision, :details, :pipeline_run_url, :source_commit, :requested_for, :task)',
      );
      assert.equal(insert.warehouseId, 'wh1');
      assert.deepEqual(insert.parameters, [
        { name: 'event_time', value: '2026-11-28T04:00:00.000Z', type: 'TIMESTAMP' },
        { name: 'event_type', value: 'promote', type: 'STRING' },
        { name: 'model_name', value: 'main.ml.churn', type: 'STRING' },
        { name: 'model_version', value: '5', type: 'STRING' },
        { name: 'other_version', value: '4', type: 'STRING' },
        { name: 'decision', value: 'promote', type: 'STRING' },
        { name: 'details', value: JSON.stringify({ alias: 'champion', note: "it's fine" }), type: 'STRING' },
        { name: 'pipeline_run_url', value: 'https://dev.azure.com/org/proj/_build/results?buildId=7', type: 'STRING' },
        { name: 'source_commit', value: 'abc123', type: 'STRING' },
        { name: 'requested_for', value: 'Ada', type: 'STRING' },
        { name: 'task', value: 'DatabricksModelPromote@1', type: 'STRING' },
      ]);
      assert.deepEqual(auditColumns.map(([name]) => name), insert.parameters?.map((p) => p.name));
      // No value of the event reached the SQL text.
      assert.doesNotMatch(insert.statement, /churn|champion|abc123/);
    });

    it('writes NULL for what is unknown', async () => {
      const execute = sinon.stub().resolves({ statementId: 's' });
      await recordAuditEvent({ sql: { execute }, clock: new FakeClock(), logger: logger() }, enabled, {
        eventType: 'tests',
        decision: 'pass',
        details: {},
        task: 'DatabricksIntegrationTests@1',
        run: {},
      });
      const parameters = (execute.secondCall.args[0] as SqlStatement).parameters ?? [];
      const byName = Object.fromEntries(parameters.map((p) => [p.name, p.value]));
      for (const name of ['model_name', 'model_version', 'other_version', 'pipeline_run_url', 'source_commit', 'requested_for']) assert.equal(byName[name], null);
    });

    it('writes nothing when the record is off', async () => {
      const execute = sinon.stub().resolves({ statementId: 's' });
      assert.deepEqual(await recordAuditEvent({ sql: { execute }, clock: new FakeClock(), logger: logger() }, { enabled: false }, event), { status: 'disabled' });
      assert.equal(execute.callCount, 0);
    });

    it('fails when a required write fails', async () => {
      const execute = sinon.stub().rejects(new Error('warehouse stopped'));
      await assert.rejects(recordAuditEvent({ sql: { execute }, clock: new FakeClock(), logger: logger() }, enabled, event), AuditWriteError);
    });

    it('only warns when the record is optional', async () => {
      const execute = sinon.stub();
      execute.onFirstCall().resolves({ statementId: 'c' });
      execute.onSecondCall().rejects(new Error('permission denied on table'));
      const log = logger();
      const outcome = await recordAuditEvent({ sql: { execute }, clock: new FakeClock(), logger: log }, { ...enabled, required: false }, event);
      assert.equal(outcome.status, 'failed');
      assert.equal(log.warn.callCount, 1);
    });

    it('binds the task and the pipeline run once for every decision of a run', async () => {
      const execute = sinon.stub().resolves({ statementId: 's' });
      const recorder = createAuditRecorder({ sql: { execute }, clock: new FakeClock(), logger: logger() }, enabled, { task: 'DatabricksSignoff@1', run: event.run });
      for (const eventType of auditEventTypes) await recorder.record({ eventType, decision: 'pass', details: { n: 1 } });
      const rows = execute.getCalls().filter((_, index) => index % 2 === 1).map((call) => Object.fromEntries(((call.args[0] as SqlStatement).parameters ?? []).map((p) => [p.name, p.value])));
      assert.deepEqual(rows.map((row) => row.event_type), ['compare', 'promote', 'compliance', 'signoff', 'tests', 'serve', 'drift']);
      for (const row of rows) {
        assert.equal(row.task, 'DatabricksSignoff@1');
        assert.equal(row.pipeline_run_url, event.run.url);
        assert.equal(row.source_commit, 'abc123');
      }
      execute.rejects(new Error('warehouse stopped'));
      await assert.rejects(recorder.record({ eventType: 'signoff', decision: 'fail', details: {} }), AuditWriteError);
    });

    it('runs through the SQL client end to end with a deadline', async () => {
      const transport = new FakeTransport().on('POST', '/api/2.0/sql/statements', () => ({ status: 200, body: { statement_id: 'x', status: { state: 'SUCCEEDED' } } }));
      const clock = new FakeClock();
      const sql = new SqlStatements(fakeClient(transport, clock), clock);
      const outcome = await recordAuditEvent({ sql, clock, logger: logger() }, enabled, event);
      assert.equal(outcome.status, 'written');
      assert.equal(transport.log.length, 2);
      const body = transport.requests[1].json as { parameters: { name: string; value?: string }[]; statement: string };
      assert.equal(body.parameters.find((p) => p.name === 'model_name')?.value, 'main.ml.churn');
    });
  });

  describe('pipeline run', () => {
    it('links the build results page', () => {
      const run = describePipelineRun(
        inputs({
          'System.CollectionUri': 'https://dev.azure.com/contoso/',
          'System.TeamProject': 'ML Platform',
          'Build.BuildId': '42',
          'Build.SourceVersion': 'abc123',
          'Build.RequestedFor': 'Ada Lovelace',
        }),
      );
      assert.deepEqual(run, {
        url: 'https://dev.azure.com/contoso/ML%20Platform/_build/results?buildId=42',
        sourceCommit: 'abc123',
        requestedFor: 'Ada Lovelace',
      });
    });

    it('adds the missing slash after the collection', () => {
      const run = describePipelineRun(inputs({ 'System.CollectionUri': 'https://tfs.contoso.com/tfs/Default', 'System.TeamProject': 'p', 'Build.BuildId': '1' }));
      assert.equal(run.url, 'https://tfs.contoso.com/tfs/Default/p/_build/results?buildId=1');
    });

    it('links the release in a classic release', () => {
      const run = describePipelineRun(
        inputs({
          'System.CollectionUri': 'https://dev.azure.com/contoso/',
          'System.TeamProject': 'p',
          'Build.BuildId': '42',
          'Release.ReleaseWebUrl': 'https://dev.azure.com/contoso/p/_release?releaseId=9',
          'Release.RequestedFor': 'Grace',
          'Build.RequestedFor': 'Ada',
        }),
      );
      assert.equal(run.url, 'https://dev.azure.com/contoso/p/_release?releaseId=9');
      assert.equal(run.requestedFor, 'Grace');
    });

    it('leaves out what the agent did not set', () => {
      assert.deepEqual(describePipelineRun(inputs({})), {});
    });
  });
});
