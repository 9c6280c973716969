import assert from 'node:assert/strict';
import { parseRunOutput } from '../../../../tasks/common/bundle/deploy/run-output';

describe('bundle deploy: run id from `bundle run` output', () => {
  it('reads the fragment URL shape', () => {
    const output = 'Run URL: https://adb-1.2.azuredatabricks.net/?o=1#job/77/run/987654\n\n2026-11-28 "x" RUNNING\n';
    assert.deepEqual(parseRunOutput(output), { runId: '987654', runUrl: 'https://adb-1.2.azuredatabricks.net/?o=1#job/77/run/987654' });
  });

  it('reads the path URL shape', () => {
    assert.equal(parseRunOutput('Run URL: https://adb-1.2.azuredatabricks.net/jobs/77/runs/31337?o=1')?.runId, '31337');
  });

  it('finds nothing when no run URL was printed', () => {
    assert.equal(parseRunOutput('Error: cannot start job'), undefined);
    assert.equal(parseRunOutput('Run URL: https://host/elsewhere'), undefined);
  });
});
