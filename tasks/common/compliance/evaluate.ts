/**
 * Evaluates a compliance policy against one model version. Every rule is evaluated (no early exit),
 * and a rule that cannot be evaluated (a read that failed after retries, missing data, no SQL
 * warehouse) is a violation with the reason: the verdict fails closed.
 */
import type { Run } from '../databricks/mlflow';
import { EvidenceCache, type ComplianceSources, type ComplianceVersion, type Fact } from './evidence';
import type { Policy, PolicyRule, RequiredTags } from './policy';

/** The outcome of one rule: `error` means it could not be evaluated, which counts as a violation. */
export interface RuleResult {
  id: string;
  kind: PolicyRule['kind'];
  status: 'passed' | 'failed' | 'error';
  /** What the rule requires, in words. */
  expected: string;
  /** What was found (or why nothing could be found). */
  found: string;
}

/** The verdict over all rules. */
export interface ComplianceVerdict {
  modelName: string;
  version: number;
  results: RuleResult[];
  /** Rules that did not pass (failed or not evaluable). */
  violations: number;
  compliant: boolean;
}

/** What the evaluation needs besides the policy. */
export interface EvaluationSubject {
  modelName: string;
  version: number;
  /** The `comparisonDecision` input; when absent the audit table is read. */
  comparisonDecision?: string;
  /** The quoted audit table (`` `c`.`s`.`t` ``) for the comparisonDecision rule, when configured. */
  auditTable?: string;
}

/** The MLflow 2 run tag holding a JSON list of the models logged by the run (`MLFLOW_LOGGED_MODELS`). */
export const loggedModelsTag = 'mlflow.log-model.history';
/** The run tag with the commit the training code ran from. */
export const gitCommitTag = 'mlflow.source.git.commit';
/** The lineage system table. */
export const lineageTable = 'system.access.table_lineage';

type Check = Omit<RuleResult, 'id' | 'kind'>;

const pass = (expected: string, found: string): Check => ({ status: 'passed', expected, found });
const fail = (expected: string, found: string): Check => ({ status: 'failed', expected, found });
const notEvaluated = (expected: string, reason: string): Check => ({ status: 'error', expected, found: `could not be evaluated: ${reason}` });

function tagMap(tags: Array<{ key?: string; value?: string }> | undefined): Map<string, string> {
  return new Map((tags ?? []).filter((t) => t.key !== undefined).map((t) => [t.key as string, t.value ?? '']));
}

function describeRequired(required: RequiredTags): string {
  return Object.entries(required)
    .map(([key, values]) => (values === null ? `${key}` : `${key} in [${values.join(', ')}]`))
    .join(', ');
}

function checkTags(what: string, tags: Map<string, string>, required: RequiredTags): Check {
  const expected = `${what} tags ${describeRequired(required)}`;
  const problems: string[] = [];
  for (const [key, values] of Object.entries(required)) {
    const value = tags.get(key);
    if (value === undefined) problems.push(`${key} missing`);
    else if (values !== null && !values.includes(value)) problems.push(`${key}='${value}' not allowed`);
  }
  if (problems.length > 0) return fail(expected, problems.join('; '));
  return pass(expected, Object.keys(required).map((key) => `${key}='${tags.get(key)}'`).join(', '));
}

/** A training dataset of the run: its name and the Unity Catalog table it was read from, when known. */
export interface TrainingDataset {
  name: string;
  table?: string;
}

/**
 * The run's training datasets (`inputs.dataset_inputs`, context `training` or none). The table comes
 * from the dataset source JSON: `delta_table_name` (MLflow's DeltaDatasetSource) or `table` (Spark).
 */
export function trainingDatasets(run: Run): TrainingDataset[] {
  return (run.inputs?.dataset_inputs ?? [])
    .filter((input) => {
      const context = input.tags?.find((t) => t.key === 'mlflow.data.context')?.value;
      return context === undefined || context === 'training' || context === 'train';
    })
    .map((input) => {
      const name = input.dataset?.name ?? '(unnamed)';
      let table: string | undefined;
      try {
        const source = JSON.parse(input.dataset?.source ?? '{}') as Record<string, unknown>;
        const candidate = source.delta_table_name ?? source.table;
        if (typeof candidate === 'string' && candidate.split('.').length === 3) table = candidate.toLowerCase();
      } catch {
        // An unparsable source leaves the table unknown, which the rules treat as a violation.
      }
      return table ? { name, table } : { name };
    });
}

function isAllowedSource(table: string, allowed: string[]): boolean {
  return allowed.some((prefix) => table.startsWith(`${prefix.toLowerCase()}.`));
}

/** The entry of `mlflow.log-model.history` for the version's artifact path (or the only entry). */
function loggedModelEntry(run: Run, version: ComplianceVersion): { signature?: { inputs?: string; outputs?: string }; artifact_path?: string } | undefined {
  const history = run.data?.tags?.find((t) => t.key === loggedModelsTag)?.value;
  if (!history) return undefined;
  let entries: Array<{ artifact_path?: string; signature?: { inputs?: string; outputs?: string } }>;
  try {
    entries = JSON.parse(history) as typeof entries;
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  const source = version.source ?? '';
  const match = entries.find((entry) => entry.artifact_path && (source.endsWith(`/artifacts/${entry.artifact_path}`) || source.endsWith(`/${entry.artifact_path}`)));
  return match ?? (entries.length === 1 ? entries[0] : undefined);
}

function hasSchema(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed.length > 0 : parsed !== null && typeof parsed === 'object';
  } catch {
    return false;
  }
}

/** Evaluates rules against one version, reading facts through {@link ComplianceSources}. */
class RuleEvaluator {
  private readonly cache = new EvidenceCache();

  constructor(
    private readonly sources: ComplianceSources,
    private readonly subject: EvaluationSubject,
    private readonly version: ComplianceVersion,
  ) {}

  private run(): Promise<Fact<Run>> {
    const runId = this.version.run_id;
    if (!runId) return Promise.resolve({ ok: false, reason: `version ${this.subject.version} records no source run (run_id)` });
    return this.cache.get(`run:${runId}`, () => this.sources.getRun(runId));
  }

  async evaluate(rule: PolicyRule): Promise<Check> {
    switch (rule.kind) {
      case 'versionStatus': {
        const expected = `status ${rule.status ?? 'READY'}`;
        return this.version.status === (rule.status ?? 'READY') ? pass(expected, `status ${this.version.status}`) : fail(expected, `status ${this.version.status ?? '(none)'}`);
      }
      case 'versionDescription': {
        const min = rule.minLength ?? 1;
        const length = (this.version.description ?? '').trim().length;
        const expected = `a description of at least ${min} characters`;
        return length >= min ? pass(expected, `${length} characters`) : fail(expected, length === 0 ? 'no description' : `${length} characters`);
      }
      case 'versionTags':
        return checkTags('version', tagMap(this.version.tags), rule.required);
      case 'modelTags': {
        const model = await this.cache.get('model', () => this.sources.getRegistryModel(this.subject.modelName));
        if (!model.ok) return notEvaluated(`model tags ${describeRequired(rule.required)}`, model.reason);
        return checkTags('model', tagMap(model.value.tags), rule.required);
      }
      case 'modelOwner':
        return this.modelOwner(rule.allowed);
      case 'sourceRun':
        return this.sourceRun(rule);
      case 'signature':
        return this.signature(rule.outputs ?? true);
      case 'metricBounds':
        return this.metricBounds(rule.metrics);
      case 'comparisonDecision':
        return this.comparisonDecision();
      case 'lineage':
        return this.lineage();
    }
  }

  private async modelOwner(allowed: string[] | undefined): Promise<Check> {
    const expected = allowed ? `owner one of ${allowed.join(', ')}` : 'an owner';
    const owner = await this.cache.get('owner', () => this.sources.getModelOwner(this.subject.modelName));
    if (!owner.ok) return notEvaluated(expected, owner.reason);
    if (!owner.value) return fail(expected, 'no owner');
    if (allowed && !allowed.includes(owner.value)) return fail(expected, `owner '${owner.value}'`);
    return pass(expected, `owner '${owner.value}'`);
  }

  private async sourceRun(rule: Extract<PolicyRule, { kind: 'sourceRun' }>): Promise<Check> {
    const status = rule.status ?? 'FINISHED';
    const parts = [`source run ${status}`];
    if (rule.requireGitCommit) parts.push('with a git commit');
    if (rule.requireDatasets) parts.push('with training datasets');
    if (rule.allowedDatasetSources) parts.push(`from ${rule.allowedDatasetSources.join(', ')}`);
    const expected = parts.join(', ');
    const run = await this.run();
    if (!run.ok) return notEvaluated(expected, run.reason);
    const problems: string[] = [];
    const runStatus = run.value.info?.status;
    if (runStatus !== status) problems.push(`run ${this.version.run_id} is ${runStatus ?? 'without status'}`);
    if (run.value.info?.lifecycle_stage === 'deleted') problems.push(`run ${this.version.run_id} is deleted`);
    const commit = run.value.data?.tags?.find((t) => t.key === gitCommitTag)?.value;
    if (rule.requireGitCommit && !commit) problems.push(`no ${gitCommitTag} tag`);
    const datasets = trainingDatasets(run.value);
    if (rule.requireDatasets && datasets.length === 0) problems.push('no training datasets (dataset_inputs)');
    if (rule.allowedDatasetSources) {
      for (const dataset of datasets) {
        if (!dataset.table) problems.push(`dataset '${dataset.name}' has no Unity Catalog table source`);
        else if (!isAllowedSource(dataset.table, rule.allowedDatasetSources)) problems.push(`dataset '${dataset.name}' comes from ${dataset.table}`);
      }
    }
    if (problems.length > 0) return fail(expected, problems.join('; '));
    const found = [`run ${this.version.run_id} ${runStatus}`];
    if (commit) found.push(`commit ${commit}`);
    if (datasets.length > 0) found.push(`datasets ${datasets.map((d) => d.table ?? d.name).join(', ')}`);
    return pass(expected, found.join(', '));
  }

  /**
   * MLflow 3 registers a logged model (`model_id`); MLflow 2 a run artifact whose signature is in
   * the run tag `mlflow.log-model.history`.
   */
  private async signature(outputs: boolean): Promise<Check> {
    const expected = outputs ? 'a logged signature with inputs and outputs' : 'a logged signature with inputs';
    if (this.version.model_id) return this.loggedModelSignature(this.version.model_id, expected);
    const run = await this.run();
    if (!run.ok) return notEvaluated(expected, run.reason);
    const entry = loggedModelEntry(run.value, this.version);
    if (!entry) return fail(expected, `run ${this.version.run_id} has no ${loggedModelsTag} entry for ${this.version.source ?? 'the version'}`);
    if (!hasSchema(entry.signature?.inputs)) return fail(expected, `model '${entry.artifact_path ?? ''}' was logged without an input signature`);
    if (outputs && !hasSchema(entry.signature?.outputs)) return fail(expected, `model '${entry.artifact_path ?? ''}' was logged without an output signature`);
    return pass(expected, `signature of '${entry.artifact_path ?? ''}' in run ${this.version.run_id}`);
  }

  /**
   * The logged model must exist and be READY. Its REST entity carries no signature (that is in the
   * MLmodel artifact); the Unity Catalog registry refuses a logged model without a signature with
   * inputs and outputs, so a READY version registered from a READY logged model has both.
   */
  private async loggedModelSignature(modelId: string, expected: string): Promise<Check> {
    const logged = await this.cache.get(`logged:${modelId}`, () => this.sources.getLoggedModel(modelId));
    if (!logged.ok) return notEvaluated(expected, logged.reason);
    const status = logged.value.info?.status;
    if (status !== 'LOGGED_MODEL_READY') return fail(expected, `logged model ${modelId} is ${status ?? 'without status'}`);
    if (this.version.status !== 'READY') return fail(expected, `version registration is ${this.version.status ?? 'unknown'}`);
    return pass(expected, `logged model ${modelId} READY, registered in Unity Catalog (which requires input and output signatures)`);
  }

  private async metricBounds(metrics: Record<string, { min?: number; max?: number }>): Promise<Check> {
    const describeBound = (name: string, b: { min?: number; max?: number }): string =>
      [b.min !== undefined ? `${name} >= ${b.min}` : '', b.max !== undefined ? `${name} <= ${b.max}` : ''].filter(Boolean).join(' and ');
    const expected = Object.entries(metrics).map(([name, bounds]) => describeBound(name, bounds)).join(', ');
    const run = await this.run();
    if (!run.ok) return notEvaluated(expected, run.reason);
    const values = new Map((run.value.data?.metrics ?? []).map((m) => [m.key, m.value]));
    const found: string[] = [];
    let failed = false;
    for (const [name, bounds] of Object.entries(metrics)) {
      const value = values.get(name);
      if (value === undefined || !Number.isFinite(value)) {
        found.push(`${name} not logged`);
        failed = true;
      } else if ((bounds.min !== undefined && value < bounds.min) || (bounds.max !== undefined && value > bounds.max)) {
        found.push(`${name}=${value} out of bounds`);
        failed = true;
      } else {
        found.push(`${name}=${value}`);
      }
    }
    return failed ? fail(expected, found.join(', ')) : pass(expected, found.join(', '));
  }

  private async comparisonDecision(): Promise<Check> {
    const expected = "comparison decision 'promote'";
    if (this.subject.comparisonDecision !== undefined) {
      const decision = this.subject.comparisonDecision;
      return decision === 'promote' ? pass(expected, "'promote' (comparisonDecision input)") : fail(expected, `'${decision}' (comparisonDecision input)`);
    }
    const query = this.sources.query;
    if (!this.subject.auditTable || !query) return notEvaluated(expected, "set 'comparisonDecision' or 'auditTable' and 'sqlWarehouseId'");
    const rows = await this.cache.get('decision', () =>
      query(`SELECT decision, event_time FROM ${this.subject.auditTable} WHERE event_type = :event_type AND model_name = :model_name AND model_version = :model_version ORDER BY event_time DESC LIMIT 1`, [
        { name: 'event_type', value: 'compare' },
        { name: 'model_name', value: this.subject.modelName },
        { name: 'model_version', value: String(this.subject.version) },
      ]),
    );
    if (!rows.ok) return notEvaluated(expected, rows.reason);
    const [row] = rows.value;
    if (!row) return fail(expected, `no compare row for version ${this.subject.version} in the audit table`);
    return row[0] === 'promote' ? pass(expected, `'promote' (audit table, ${row[1] ?? ''})`) : fail(expected, `'${row[0] ?? ''}' (audit table, ${row[1] ?? ''})`);
  }

  private async lineage(): Promise<Check> {
    const expected = `every training table has upstream rows in ${lineageTable}`;
    const query = this.sources.query;
    if (!query) return notEvaluated(expected, "set 'sqlWarehouseId' to query the lineage system table");
    const run = await this.run();
    if (!run.ok) return notEvaluated(expected, run.reason);
    const datasets = trainingDatasets(run.value);
    if (datasets.length === 0) return fail(expected, 'the source run declares no training datasets');
    const missing: string[] = [];
    for (const dataset of datasets) {
      if (!dataset.table) {
        missing.push(`dataset '${dataset.name}' has no Unity Catalog table`);
        continue;
      }
      const table = dataset.table;
      const rows = await this.cache.get(`lineage:${table}`, () =>
        query(`SELECT source_table_full_name FROM ${lineageTable} WHERE target_table_full_name = :table LIMIT 1`, [{ name: 'table', value: table }]),
      );
      if (!rows.ok) return notEvaluated(expected, rows.reason);
      if (rows.value.length === 0) missing.push(`${table} has no upstream lineage`);
    }
    const tables = datasets.map((d) => d.table ?? d.name).join(', ');
    return missing.length > 0 ? fail(expected, missing.join('; ')) : pass(expected, `lineage found for ${tables}`);
  }
}

/**
 * Evaluates every rule of `policy` against the version (already read by the caller, so an unknown
 * version fails the task instead of producing a verdict about nothing).
 */
export async function evaluatePolicy(policy: Policy, version: ComplianceVersion, subject: EvaluationSubject, sources: ComplianceSources): Promise<ComplianceVerdict> {
  const evaluator = new RuleEvaluator(sources, subject, version);
  const results: RuleResult[] = [];
  for (const rule of policy.rules) {
    let check: Check;
    try {
      check = await evaluator.evaluate(rule);
    } catch (error) {
      check = notEvaluated(rule.kind, error instanceof Error ? error.message : String(error));
    }
    results.push({ id: rule.id, kind: rule.kind, ...check });
  }
  const violations = results.filter((r) => r.status !== 'passed').length;
  return { modelName: subject.modelName, version: subject.version, results, violations, compliant: violations === 0 };
}
