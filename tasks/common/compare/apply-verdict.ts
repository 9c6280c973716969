import { explainOwnershipRefusal, type ModelFullName, type UnityCatalogModels } from '../databricks/unity-catalog';
import { ApiError } from '../http/errors';
import type { Logger } from '../ports';
import type { Comparison } from './compare-models';

/** What the task changed in the registry after deciding. */
export interface AppliedVerdict {
  /** The alias set on the candidate, when one was. */
  aliasSet?: string;
  /** True when the verdict line was appended to the version's comment (false when it was already there). */
  commentUpdated: boolean;
}

/** The line appended to the candidate version's comment, like mlops-stacks' "Model Validation Status". */
export function verdictCommentLine(comparison: Comparison, championAlias: string, pipelineRunUrl: string | undefined, task: string): string {
  const decision = comparison.verdict.decision === 'promote' ? 'PROMOTE' : 'REJECT';
  const against = comparison.champion ? `champion version ${comparison.champion.version} (alias '${championAlias}')` : `no champion (alias '${championAlias}' unset)`;
  const failed = comparison.verdict.checks.filter((c) => c.status === 'failed').map((c) => `${c.metric}.${c.kind}`);
  const why = failed.length > 0 ? `; failed: ${failed.join(', ')}` : '';
  const link = pipelineRunUrl ? ` Pipeline run: ${pipelineRunUrl}` : '';
  return `Model comparison (${task}): ${decision} against ${against}, metrics from ${comparison.metrics.source}${why}.${link}`;
}

/** The registry calls {@link applyVerdict} makes. */
export type VerdictRegistry = Pick<UnityCatalogModels, 'identity' | 'getRegisteredModel' | 'getModelVersion' | 'setAlias' | 'updateVersionComment'>;

/**
 * Writes the verdict to the registry: appends {@link verdictCommentLine} to the candidate's comment
 * (skipped when that exact line is already there, so a re-run does not repeat it) and, on promote,
 * points `setAliasOnPass` at the candidate. Call only in `enabled` run mode. Both writes need
 * ownership of the model; a 403 is explained with the identity and the owner.
 */
export async function applyVerdict(
  registry: VerdictRegistry,
  model: ModelFullName,
  comparison: Comparison,
  options: { commentLine: string; setAliasOnPass?: string; logger: Logger; signal?: AbortSignal },
): Promise<AppliedVerdict> {
  try {
    return await writeVerdict(registry, model, comparison, options);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    // Reading the owner needs only EXECUTE, which the comparison already used.
    const owner = await registry.getRegisteredModel(model.fullName, { signal: options.signal }).then(
      (info) => info.owner,
      () => undefined,
    );
    throw explainOwnershipRefusal(error, { identity: registry.identity, modelName: model.fullName, owner });
  }
}

async function writeVerdict(
  registry: VerdictRegistry,
  model: ModelFullName,
  comparison: Comparison,
  options: { commentLine: string; setAliasOnPass?: string; logger: Logger; signal?: AbortSignal },
): Promise<AppliedVerdict> {
  const version = comparison.candidate.version;
  // Re-read the comment just before writing, so a comment edited since the comparison started is kept.
  const current = (await registry.getModelVersion(model.fullName, version, { signal: options.signal })).comment ?? '';
  let commentUpdated = false;
  if (!current.split('\n').includes(options.commentLine)) {
    const updated = current.trim() === '' ? options.commentLine : `${current.replace(/\s+$/, '')}\n\n${options.commentLine}`;
    await registry.updateVersionComment(model.fullName, version, updated, { signal: options.signal });
    commentUpdated = true;
    options.logger.info(`Appended the verdict to the comment of version ${version}.`);
  }
  const result: AppliedVerdict = { commentUpdated };
  if (comparison.verdict.decision === 'promote' && options.setAliasOnPass) {
    await registry.setAlias(model.fullName, options.setAliasOnPass, version, { signal: options.signal });
    options.logger.info(`Set the alias '${options.setAliasOnPass}' on version ${version}.`);
    result.aliasSet = options.setAliasOnPass;
  }
  return result;
}
