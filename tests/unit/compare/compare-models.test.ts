import assert from 'node:assert/strict';
import type { Metric, Run } from '@databricks/sdk-experimental/dist/apis/ml/model';
import { applyVerdict, verdictCommentLine } from '../../../tasks/common/compare/apply-verdict';
import { ComparisonRefusedError } from '../../../tasks/common/compare/checks';
import { compareModels, type ComparisonDependencies, type ComparisonSettings } from '../../../tasks/common/compare/compare-models';
import { auditDetails, junitSuite, renderSummary, type ReportContext } from '../../../tasks/common/compare/report';
import { parseRules } from '../../../tasks/common/compare/rules';
import { parseModelFullName } from '../../../tasks/common/databricks/unity-catalog';
import { ApiError } from '../../../tasks/common/http/errors';
import { silentLogger } from '../../../tasks/common/ports';
import { FakeRegistry, modelVersion as version } from '../../fakes/registry';
import { FakeRunReader } from '../../fakes/mlflow-runs';

const model = parseModelFullName('modelName', 'main.ml.churn');

function runWith(id: string, values: Record<string, number>): Run {
  return { info: { run_id: id, status: 'FINISHED' }, data: { metrics: Object.entries(values).map(([key, value]): Metric => ({ key, value })) } };
}

const rules = parseRules('metrics:\n  auc: { greater_is_better: true, threshold: 0.8, min_absolute_change: 0.01 }\n');

function setup(candidateAuc = 0.9): { registry: FakeRegistry; deps: ComparisonDependencies; settings: ComparisonSettings } {
  const registry = new FakeRegistry({ champion: 3 }, { versions: [version(3, { comment: 'Original.' }), version(5)], identity: 'sp-compare' });
  const runs: Record<string, Run> = { 'run-3': runWith('run-3', { auc: 0.85 }), 'run-5': runWith('run-5', { auc: candidateAuc }) };
  const deps: ComparisonDependencies = {
    registry: registry.client(),
    metrics: new FakeRunReader(runs),
    logger: silentLogger,
  };
  const settings: ComparisonSettings = { model, candidate: { version: 5 }, championAlias: 'champion', rules, metricsSource: { kind: 'runs' }, requireSignificance: false, bootstrapSeed: 1 };
  return { registry, deps, settings };
}

/** A refusal (not another failure) whose message names the offending value: a model name or a status. */
function refusedNaming(value: string): (error: unknown) => boolean {
  return (error) => error instanceof ComparisonRefusedError && error.message.includes(value);
}

const report: ReportContext = { modelName: 'main.ml.churn', championAlias: 'champion', runMode: 'enabled', requireSignificance: false, bootstrapSeed: 1, pipelineRunUrl: 'https://dev.azure.com/o/p/_build/results?buildId=1' };

describe('compare/compare-models', () => {
  it('resolves both versions, reads the metrics and decides', async () => {
    const { deps, settings } = setup();
    const comparison = await compareModels(settings, deps);
    assert.equal(comparison.candidate.version, 5);
    assert.equal(comparison.champion?.version, 3);
    assert.equal(comparison.verdict.decision, 'promote');
  });

  it('resolves the candidate by alias', async () => {
    const { deps, settings, registry } = setup();
    registry.aliases.set('challenger', 5);
    const comparison = await compareModels({ ...settings, candidate: { alias: 'challenger' } }, deps);
    assert.equal(comparison.candidate.version, 5);
    await assert.rejects(compareModels({ ...settings, candidate: { alias: 'nobody' } }, deps), /No version of main\.ml\.churn holds the alias 'nobody'/);
  });

  it('refuses a version of another model, a version that is not READY, and a candidate that is the champion', async () => {
    const { deps, settings, registry } = setup();
    registry.versions.set(5, version(5, { model_name: 'other' }));
    await assert.rejects(compareModels(settings, deps), refusedNaming('main.ml.other'));
    registry.versions.set(5, version(5, { status: 'FAILED_REGISTRATION' }));
    await assert.rejects(compareModels(settings, deps), refusedNaming('FAILED_REGISTRATION'));
    registry.versions.set(5, version(5));
    registry.versions.set(3, version(3, { status: 'PENDING_REGISTRATION' }));
    await assert.rejects(compareModels(settings, deps), refusedNaming('PENDING_REGISTRATION'));
    registry.versions.set(3, version(3, { model_name: 'other' }));
    await assert.rejects(compareModels(settings, deps), refusedNaming('main.ml.other'));
    registry.versions.set(3, version(3));
    registry.aliases.set('champion', 5);
    await assert.rejects(compareModels(settings, deps), (error) => error instanceof ComparisonRefusedError && error.versions.candidate === 5 && error.versions.champion === 5);
    // Nothing was written to the registry by a refused comparison.
    assert.deepEqual(registry.writes(), []);
  });

  it('accepts model names in another case', async () => {
    const { deps, settings, registry } = setup();
    registry.versions.set(5, version(5, { catalog_name: 'MAIN' }));
    assert.equal((await compareModels(settings, deps)).verdict.decision, 'promote');
  });

  it('refuses runs metrics without a run id', async () => {
    const { deps, settings, registry } = setup();
    registry.versions.set(5, version(5, { run_id: undefined }));
    await assert.rejects(compareModels(settings, deps), /has no MLflow run/);
  });

  it('uses paired scores from the table source over the job, and only with a champion', async () => {
    const { deps, settings } = setup();
    const asked: string[][] = [];
    deps.pairedScores = (metrics) => {
      asked.push(metrics);
      return Promise.resolve(new Map([['auc', { candidate: [1, 1, 1, 0], champion: [0, 0, 1, 0] }]]));
    };
    const comparison = await compareModels({ ...settings, requireSignificance: true }, deps);
    assert.deepEqual(asked, [['auc']]);
    assert.equal(comparison.pairedSource, 'table');
    assert.ok(comparison.intervals.has('auc'));
  });

  it('gathers metrics from a validation run and from an evaluation job with paired scores', async () => {
    const { deps, settings } = setup();
    deps.metrics = new FakeRunReader({ v: runWith('v', { auc: 0.9, baseline_auc: 0.85 }) });
    const validated = await compareModels({ ...settings, metricsSource: { kind: 'validationRun', runId: 'v' } }, deps);
    assert.equal(validated.verdict.decision, 'promote');
    assert.equal(validated.metrics.champion?.get('auc')?.value, 0.85);

    const champion = [0, 1, 0, 1, 0, 1, 0, 1];
    const candidate = [1, 1, 1, 1, 1, 1, 0, 1];
    deps.evaluation = {
      run: (_, parameters) =>
        Promise.resolve({
          runId: 1,
          output: JSON.stringify({
            dataset: { name: 'e', digest: 'x' },
            candidate: {},
            champion: {},
            paired: { auc: { candidate, champion } },
            echo: parameters,
          }),
        }),
    };
    const evaluated = await compareModels({ ...settings, rules: parseRules('metrics:\n  auc: { greater_is_better: true, min_absolute_change: 0.1 }\n'), metricsSource: { kind: 'evaluationJob', jobName: 'e', parameters: {} }, requireSignificance: true }, deps);
    assert.equal(evaluated.pairedSource, 'evaluationJob');
    assert.equal(evaluated.metrics.candidate.get('auc')?.value, 0.875);
    assert.equal(evaluated.intervals.get('auc')?.examples, 8);
    assert.deepEqual(evaluated.verdict.checks.map((c) => `${c.kind}:${c.status}`), ['min_absolute_change:passed', 'significance:passed']);
    const { evaluation: _unused, ...withoutRunner } = deps;
    await assert.rejects(compareModels({ ...settings, metricsSource: { kind: 'evaluationJob', jobName: 'e', parameters: {} } }, withoutRunner), /needs a job runner/);
  });

  it('warns with the existing aliases when the champion alias is missing', async () => {
    const { deps, settings, registry } = setup();
    const warnings: string[] = [];
    deps.logger = { ...silentLogger, warn: (message) => warnings.push(message) };
    registry.aliases.delete('champion');
    registry.aliases.set('Champion', 3);
    const comparison = await compareModels(settings, deps);
    assert.equal(comparison.champion, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Champion=3/);
    registry.aliases.clear();
    warnings.length = 0;
    await compareModels(settings, deps);
    assert.deepEqual(warnings, []);
  });

  describe('apply-verdict', () => {
    it('appends the verdict below the comment and sets the pass alias', async () => {
      const { deps, settings, registry } = setup();
      registry.versions.set(5, version(5, { comment: 'Trained in November.' }));
      const comparison = await compareModels(settings, deps);
      const line = verdictCommentLine(comparison, 'champion', report.pipelineRunUrl, 'DatabricksModelCompare@1');
      assert.equal(line, 'Model comparison (DatabricksModelCompare@1): PROMOTE against champion version 3 (alias \'champion\'), metrics from runs. Pipeline run: https://dev.azure.com/o/p/_build/results?buildId=1');
      const applied = await applyVerdict(registry.client(), model, comparison, { commentLine: line, setAliasOnPass: 'challenger', logger: silentLogger });
      assert.deepEqual(applied, { commentUpdated: true, aliasSet: 'challenger' });
      assert.equal(registry.versions.get(5)?.comment, `Trained in November.\n\n${line}`);
      assert.equal(registry.aliases.get('challenger'), 5);
      const again = await applyVerdict(registry.client(), model, comparison, { commentLine: line, logger: silentLogger });
      assert.equal(again.commentUpdated, false);
    });

    it('on reject writes the comment with the failed checks and sets no alias', async () => {
      const { deps, settings, registry } = setup(0.855);
      const comparison = await compareModels(settings, deps);
      assert.equal(comparison.verdict.decision, 'reject');
      const line = verdictCommentLine(comparison, 'champion', undefined, 'T@1');
      assert.match(line, /REJECT .*failed: auc\.min_absolute_change\.$/);
      await applyVerdict(registry.client(), model, comparison, { commentLine: line, setAliasOnPass: 'challenger', logger: silentLogger });
      assert.equal(registry.aliases.has('challenger'), false);
      assert.equal(registry.versions.get(5)?.comment, line);
    });

    it('explains a 403 on the write with the identity and the model owner', async () => {
      const { deps, settings, registry } = setup();
      const comparison = await compareModels(settings, deps);
      registry.forbidden = true;
      await assert.rejects(applyVerdict(registry.client(), model, comparison, { commentLine: 'x', setAliasOnPass: 'challenger', logger: silentLogger }), (error) => {
        assert.ok(error instanceof ApiError && error.status === 403);
        assert.ok(error.message.includes('sp-compare') && error.message.includes("'ml-owners'"), error.message);
        return true;
      });
    });
  });

  describe('report', () => {
    it('renders a table row per check with delta, and the failures', async () => {
      const { deps, settings } = setup(0.855);
      const comparison = await compareModels(settings, deps);
      const markdown = renderSummary(comparison, report);
      assert.match(markdown, /\*\*Decision: ❌ REJECT\*\*/);
      assert.match(markdown, /\| auc \| threshold: >= 0\.8 \| 0\.855 \| 0\.85 \| \+0\.005 \(\+0\.588%\) \| ✅ pass \|/);
      assert.match(markdown, /\| auc \| min_absolute_change: >= champion \+ 0\.01 \| 0\.855 \| 0\.85 \| \+0\.005 \(\+0\.588%\) \| ❌ fail \|/);
      assert.match(markdown, /Why it was rejected/);
      assert.match(markdown, /Pipeline run: https:\/\/dev\.azure\.com/);
    });

    it('rounds for people, except where rounding would hide the difference that decides', async () => {
      const { deps, settings } = setup(0.912345678);
      const markdown = renderSummary(await compareModels(settings, deps), report);
      assert.match(markdown, /\| auc \| threshold: >= 0\.8 \| 0\.9123 \| 0\.85 \| \+0\.06235 \(\+7\.33%\) \|/);
      const close = renderSummary(await compareModels(settings, setup(0.8500001).deps), report);
      assert.match(close, /\| 0\.8500001 \| 0\.85 \|/);
    });

    it('links the versions and MLflow runs, names the dataset, and draws bars', async () => {
      const { deps, settings } = setup();
      const named = (id: string, auc: number): Run => ({
        info: { run_id: id, experiment_id: '77', status: 'FINISHED' },
        data: { metrics: [{ key: 'auc', value: auc, dataset_name: 'eval', dataset_digest: 'd1' } as Metric] },
      });
      deps.metrics = new FakeRunReader({ 'run-3': named('run-3', 0.85), 'run-5': named('run-5', 0.9) });
      const markdown = renderSummary(await compareModels(settings, deps), { ...report, workspaceUrl: 'https://adb-1.azuredatabricks.net/' });
      assert.match(markdown, /\[version 5\]\(https:\/\/adb-1\.azuredatabricks\.net\/explore\/data\/models\/main\/ml\/churn\/version\/5\)/);
      assert.match(markdown, /\[MLflow run run-3\]\(https:\/\/adb-1\.azuredatabricks\.net\/ml\/experiments\/77\/runs\/run-3\)/);
      assert.match(markdown, /Dataset: `eval` \(digest `d1`\), the same for both/);
      assert.match(markdown, /```text\nauc \(threshold\)\n  champion  █+/);
      assert.match(markdown, /auc \(min_absolute_change\)\n  champion .*\n  candidate .*\n  bound +█+[▏▎▍▌▋▊▉]? +0\.86\n/);
    });

    it('says when the dataset check could not run, and refuses then with requireSameDataset', async () => {
      const { deps, settings } = setup();
      assert.match(renderSummary(await compareModels(settings, deps), report), /Dataset: ⚠️ \*\*not checked\*\*/);
      await assert.rejects(compareModels({ ...settings, requireSameDataset: true }, deps), (error: unknown) => {
        assert.ok(error instanceof ComparisonRefusedError);
        assert.match(error.message, /name an evaluation dataset.*requireSameDataset is true/);
        return true;
      });
    });

    it('shows the interval, not the two values, on the significance row', async () => {
      const { deps, settings } = setup();
      deps.pairedScores = () => Promise.resolve(new Map([['auc', { candidate: [1, 1, 1, 1, 1, 1, 0], champion: [0, 0, 0, 0, 0, 0, 0] }]]));
      const markdown = renderSummary(await compareModels({ ...settings, requireSignificance: true }, deps), { ...report, requireSignificance: true });
      assert.match(markdown, /\| auc \| significance: [^|]+ \| — \| — \| 95% interval \[[^\]]+\] \| ✅ pass \|/);
    });

    it('escapes pipes in metric names', async () => {
      const { deps, settings } = setup();
      const comparison = await compareModels(settings, deps);
      comparison.verdict.checks[0].metric = 'a|b';
      assert.match(renderSummary(comparison, report), /a\\\|b/);
    });

    it('builds one JUnit case per metric and rule kind, failures and skips included', async () => {
      const { deps, settings } = setup(0.855);
      const suite = junitSuite(await compareModels(settings, deps), report);
      assert.deepEqual(suite.cases.map((c) => [c.name, c.failure ? 'failed' : 'passed']), [['auc.threshold', 'passed'], ['auc.min_absolute_change', 'failed']]);
      assert.equal(suite.properties?.championVersion, '3');
    });

    it('shows intervals, the no-champion precondition and dry-run mode', async () => {
      const { deps, settings, registry } = setup();
      deps.pairedScores = () => Promise.resolve(new Map([['auc', { candidate: [1, 1, 1, 0], champion: [0, 0, 1, 0] }]]));
      const withIntervals = renderSummary(await compareModels({ ...settings, requireSignificance: true }, deps), { ...report, requireSignificance: true, runMode: 'dryRun' });
      assert.match(withIntervals, /dry run: reported only/);
      assert.match(withIntervals, /Paired bootstrap.*seed 1, scores from table; required/);
      assert.match(withIntervals, /\| auc \| 4 \| 0\.5 \| \[/);
      registry.aliases.delete('champion');
      const noChampion = await compareModels(settings, deps);
      const markdown = renderSummary(noChampion, report);
      assert.match(markdown, /Champion: none \(no version holds alias `champion`; noChampion: fail\)/);
      assert.match(markdown, /\| — \| champion \| — \| — \| — \| ❌ fail \|/);
      const suite = junitSuite(noChampion, report);
      assert.equal(suite.properties?.championVersion, 'none');
      assert.ok(suite.cases.some((c) => c.name === 'precondition.champion' && c.failure));
    });

    it('puts rules, checks and intervals in the audit details, JSON-safe', async () => {
      const { deps, settings } = setup();
      const ruleSet = parseRules('metrics:\n  auc: { greater_is_better: true, threshold: 1 }\n');
      const comparison = await compareModels({ ...settings, rules: ruleSet }, deps);
      const details = JSON.parse(JSON.stringify(auditDetails(comparison, report, ruleSet)));
      assert.deepEqual(details.rules.metrics.auc, { greater_is_better: true, threshold: '1' });
      assert.equal(details.checks[0].kind, 'threshold');
      assert.equal(details.runMode, 'enabled');
    });
  });
});
