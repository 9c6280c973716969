import assert from 'node:assert/strict';
import type { RolloutReport } from '../../../tasks/common/serving/rollout';
import { rolloutSummary } from '../../../tasks/common/serving/summary';

const model = 'main.ml.churn';

function report(overrides: Partial<RolloutReport>): RolloutReport {
  return {
    outcome: 'served',
    endpointName: 'churn',
    endpointUrl: 'https://adb-1.azuredatabricks.net/serving-endpoints/churn/invocations',
    modelName: model,
    strategy: 'canary',
    version: '4',
    previousVersion: '3',
    created: false,
    before: { name: 'churn', served_entities: [{ name: 'churn-3', entity_name: model, entity_version: '3' }] },
    after: {
      name: 'churn',
      served_entities: [
        { name: 'churn-3', entity_name: model, entity_version: '3' },
        { name: 'churn-4', entity_name: model, entity_version: '4' },
      ],
      traffic_config: { routes: [{ served_entity_name: 'churn-3', traffic_percentage: 90 }, { served_entity_name: 'churn-4', traffic_percentage: 10 }] },
    },
    timings: { waitedForOtherUpdateMs: 0, updateMs: 65_000, totalMs: 70_000 },
    ...overrides,
  };
}

describe('serving rollout summary', () => {
  it('shows before and after with the traffic split', () => {
    const markdown = rolloutSummary(report({}));
    assert.match(markdown, /\| churn-3: main\.ml\.churn v3, 100% \| churn-3: main\.ml\.churn v3, 90% \|/);
    assert.match(markdown, /\|  \| churn-4: main\.ml\.churn v4, 10% \|/);
  });

  it('fences the log tails so log text cannot end the code block or add Markdown', () => {
    const markdown = rolloutSummary(report({ outcome: 'update-failed', failure: { message: 'build failed', buildLog: 'line ```\n# not a heading', serverLog: '' } }));
    assert.match(markdown, /previous configuration keeps serving/);
    assert.match(markdown, /````\nline ```\n# not a heading\n````/);
  });
});
