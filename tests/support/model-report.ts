/**
 * The model reports a task bundle attached: read from the files its `##vso[task.addattachment]`
 * commands name, each checked against the schema and for a leaked connection token.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { modelReportAttachmentType, type ModelReport } from '../../tasks/common/report/model-report';
import { validateModelReport } from '../../tasks/common/report/validate';
import type { TaskRun } from './task-bundle';

/** The run's model reports, in the order attached; fails the test when one is invalid or holds `token`. */
export function attachedModelReports(run: TaskRun, token?: string): ModelReport[] {
  return run.commands
    .filter((c) => c.command === 'task.addattachment' && c.properties.type === modelReportAttachmentType)
    .map((c) => {
      const text = fs.readFileSync(c.message, 'utf8');
      if (token) assert.ok(!text.includes(token), `${c.properties.name} holds the connection token`);
      const report = JSON.parse(text) as ModelReport;
      assert.deepEqual(validateModelReport(report), [], c.properties.name);
      return report;
    });
}

/** The one model report the run attached. */
export function attachedModelReport(run: TaskRun, token?: string): ModelReport {
  const reports = attachedModelReports(run, token);
  assert.equal(reports.length, 1, `expected one model report, got ${reports.length}`);
  return reports[0];
}
