import type { ModelVersionInfo } from '@databricks/sdk-experimental/dist/apis/catalog/model';
import type { ModelFullName, UnityCatalogModels } from '../databricks/unity-catalog';
import type { Logger } from '../ports';
import { ComparisonRefusedError } from './checks';
import { pairedBootstrap, type BootstrapInterval, type PairedScores } from './bootstrap';
import { checkSameDataset, DatasetMismatchError, datasetStatus, valuesOf, type ComparisonMetrics, type DatasetStatus } from './metrics';
import type { RulesDocument } from './rules';
import { metricsFromEvaluationJob, metricsFromRuns, metricsFromValidationRun, type EvaluationJobRunner, type MetricsReader } from './sources';
import { decide, type NoChampionPolicy, type Verdict } from './verdict';

/** Which version is the candidate. */
export type CandidateSelector = { version: number } | { alias: string };

/** Where the metrics come from. */
export type MetricsSourceSettings =
  | { kind: 'runs' }
  | { kind: 'validationRun'; runId: string }
  | { kind: 'evaluationJob'; jobName: string; parameters: Record<string, string> };

/** What to compare and how. */
export interface ComparisonSettings {
  model: ModelFullName;
  candidate: CandidateSelector;
  championAlias: string;
  rules: RulesDocument;
  metricsSource: MetricsSourceSettings;
  /** Undefined: the default (promote when every rule is a threshold rule, else fail). */
  noChampion?: NoChampionPolicy;
  requireSignificance: boolean;
  bootstrapSeed: number;
  /** Refuse the comparison when neither side names its evaluation dataset (the dataset check cannot run). */
  requireSameDataset?: boolean;
}

/** Reads paired per-example scores for metrics (a SQL table); undefined when no table is configured. */
export type PairedScoresSource = (metrics: string[], signal?: AbortSignal) => Promise<Map<string, PairedScores>>;

/** The ports the comparison uses. */
export interface ComparisonDependencies {
  registry: Pick<UnityCatalogModels, 'getModelVersion' | 'getVersionByAlias' | 'findVersionByAlias' | 'getRegisteredModel'>;
  metrics: MetricsReader;
  evaluation?: EvaluationJobRunner;
  pairedScores?: PairedScoresSource;
  logger: Logger;
  signal?: AbortSignal;
}

/** Everything the comparison found. */
export interface Comparison {
  candidate: ModelVersionInfo & { version: number };
  champion?: ModelVersionInfo & { version: number };
  metrics: ComparisonMetrics;
  intervals: Map<string, BootstrapInterval>;
  /** Where the paired scores came from, when there were any. */
  pairedSource?: 'evaluationJob' | 'table';
  /** What is known about the data the metrics were computed on. */
  dataset: DatasetStatus;
  verdict: Verdict;
}

function fullNameOf(version: ModelVersionInfo): string {
  return [version.catalog_name, version.schema_name, version.model_name].join('.');
}

/** Refuses a version that is not READY, belongs to another model or has no version number. */
export function checkVersion(version: ModelVersionInfo, model: ModelFullName, role: string): ModelVersionInfo & { version: number } {
  if (typeof version.version !== 'number') throw new ComparisonRefusedError(`Unity Catalog returned the ${role} of ${model.fullName} without a version number.`);
  // Unity Catalog names are case-insensitive and stored in lower case.
  if (fullNameOf(version).toLowerCase() !== model.fullName.toLowerCase()) {
    throw new ComparisonRefusedError(`The ${role} (version ${version.version}) belongs to ${fullNameOf(version)}, not ${model.fullName}; both versions must be of the same model.`);
  }
  if (version.status !== 'READY') {
    throw new ComparisonRefusedError(`The ${role} (version ${version.version} of ${model.fullName}) is ${version.status ?? 'in an unknown state'}, not READY.`);
  }
  return version as ModelVersionInfo & { version: number };
}

/** The metric names the rules read. */
export function ruleMetrics(rules: RulesDocument): string[] {
  return [...new Set([...rules.metrics.map((r) => r.metric), ...rules.guardrails.map((r) => r.metric)])];
}

async function resolveCandidate(settings: ComparisonSettings, deps: ComparisonDependencies): Promise<ModelVersionInfo> {
  const { model, candidate } = settings;
  if ('version' in candidate) return deps.registry.getModelVersion(model.fullName, candidate.version, { signal: deps.signal });
  const lookup = await deps.registry.findVersionByAlias(model.fullName, candidate.alias, { signal: deps.signal });
  if (!lookup.found) throw new Error(`No version of ${model.fullName} holds the alias '${candidate.alias}' (or the model does not exist).`);
  return lookup.version;
}

async function gatherMetrics(
  settings: ComparisonSettings,
  deps: ComparisonDependencies,
  candidate: ModelVersionInfo & { version: number },
  champion: (ModelVersionInfo & { version: number }) | undefined,
): Promise<ComparisonMetrics> {
  const names = ruleMetrics(settings.rules);
  const source = settings.metricsSource;
  switch (source.kind) {
    case 'runs': {
      const runOf = (version: ModelVersionInfo & { version: number }, role: string): string => {
        if (!version.run_id) {
          throw new Error(`The ${role} (version ${version.version}) has no MLflow run, so metricsSource 'runs' has no metrics for it; use 'validationRun' or 'evaluationJob'.`);
        }
        return version.run_id;
      };
      return metricsFromRuns(deps.metrics, {
        candidateRunId: runOf(candidate, 'candidate'),
        ...(champion ? { championRunId: runOf(champion, 'champion') } : {}),
        metrics: names,
        signal: deps.signal,
      });
    }
    case 'validationRun':
      return metricsFromValidationRun(deps.metrics, { runId: source.runId, metrics: names, championPresent: champion !== undefined, signal: deps.signal });
    case 'evaluationJob':
      if (!deps.evaluation) throw new Error('metricsSource evaluationJob needs a job runner.');
      return metricsFromEvaluationJob(deps.evaluation, {
        jobName: source.jobName,
        modelName: settings.model.fullName,
        candidateVersion: candidate.version,
        ...(champion ? { championVersion: champion.version } : {}),
        extraParameters: source.parameters,
        signal: deps.signal,
      });
  }
}

/**
 * Resolves both versions, gathers their metrics from the configured source, refuses cross-dataset
 * comparisons, computes bootstrap intervals where paired scores exist, and decides. Changes nothing
 * in the workspace; see `apply-verdict.ts` for the alias and comment.
 */
export async function compareModels(settings: ComparisonSettings, deps: ComparisonDependencies): Promise<Comparison> {
  const { model, championAlias } = settings;
  const { logger } = deps;
  const candidate = checkVersion(await resolveCandidate(settings, deps), model, 'candidate');
  logger.info(`Candidate: ${model.fullName} version ${candidate.version}${'alias' in settings.candidate ? ` (alias '${settings.candidate.alias}')` : ''}.`);

  const lookup = await deps.registry.findVersionByAlias(model.fullName, championAlias, { signal: deps.signal });
  let champion: (ModelVersionInfo & { version: number }) | undefined;
  if (lookup.found) {
    champion = checkVersion(lookup.version, model, `champion (alias '${championAlias}')`);
    if (champion.version === candidate.version) {
      throw new ComparisonRefusedError(`Version ${candidate.version} of ${model.fullName} already holds the alias '${championAlias}': there is nothing to compare it with.`, {
        candidate: candidate.version,
        champion: champion.version,
      });
    }
    logger.info(`Champion: version ${champion.version} (alias '${championAlias}').`);
  } else {
    // A misspelt championAlias would look like "no champion yet" and could let a threshold-only
    // gate promote; name the aliases that do exist so the mistake is visible.
    const others = ((await deps.registry.getRegisteredModel(model.fullName, { signal: deps.signal })).aliases ?? [])
      .map((alias) => `${alias.alias_name}=${alias.version_num}`)
      .join(', ');
    const message = `No version of ${model.fullName} holds the alias '${championAlias}'.`;
    if (others) logger.warn(`${message} Its aliases are ${others}; check 'championAlias' if one of them is the champion.`);
    else logger.info(message);
  }

  const metrics = await gatherMetrics(settings, deps, candidate, champion);
  try {
    checkSameDataset(ruleMetrics(settings.rules), metrics.candidate, metrics.champion);
  } catch (error) {
    if (error instanceof DatasetMismatchError) throw new DatasetMismatchError(error.problems, { candidate: candidate.version, champion: champion?.version });
    throw error;
  }
  const dataset = datasetStatus(metrics, ruleMetrics(settings.rules));
  if (dataset.kind === 'unnamed' && champion) {
    const why = "neither the candidate's nor the champion's metrics name an evaluation dataset (MLflow dataset_name/dataset_digest), so the check that refuses metrics computed on different datasets could not run";
    if (settings.requireSameDataset) {
      throw new ComparisonRefusedError(`Refusing to compare: ${why}, and requireSameDataset is true. Log the metrics with their dataset, or use metricsSource 'validationRun' or 'evaluationJob'.`, {
        candidate: candidate.version,
        champion: champion.version,
      });
    }
    logger.warn(`The dataset check could not run: ${why}. Set requireSameDataset: true to refuse such comparisons.`);
  }

  let paired = metrics.paired;
  let pairedSource: Comparison['pairedSource'] = paired.size > 0 ? 'evaluationJob' : undefined;
  const pairedMetrics = settings.rules.metrics.map((rule) => rule.metric);
  if (deps.pairedScores && champion) {
    paired = await deps.pairedScores(pairedMetrics, deps.signal);
    pairedSource = 'table';
  }
  const intervals = new Map<string, BootstrapInterval>();
  if (champion) {
    for (const metric of pairedMetrics) {
      const scores = paired.get(metric);
      if (scores) intervals.set(metric, pairedBootstrap(metric, scores, settings.bootstrapSeed));
    }
  }

  const verdict = decide({
    rules: settings.rules,
    candidate: valuesOf(metrics.candidate)!,
    ...(metrics.champion ? { champion: valuesOf(metrics.champion) } : {}),
    championAlias,
    ...(settings.noChampion ? { noChampion: settings.noChampion } : {}),
    requireSignificance: settings.requireSignificance,
    intervals,
  });
  return { candidate, ...(champion ? { champion } : {}), metrics, intervals, ...(pairedSource ? { pairedSource } : {}), dataset, verdict };
}
