/**
 * The compliance check as phases: resolve the version, evaluate every rule, then (after the caller
 * recorded the verdict) write the verdict tags and read them back.
 */
import type { Logger } from '../ports';
import { evaluatePolicy, type ComplianceVerdict, type EvaluationSubject } from './evaluate';
import type { ComplianceSources, ComplianceVersion } from './evidence';
import type { Policy } from './policy';

/** The version to check. */
export type VersionTarget = { version: number } | { alias: string };

/** Reads the version a target names; throws when it does not exist (nothing to judge). */
export async function resolveVersion(
  sources: Pick<ComplianceSources, 'getVersion'> & { getVersionByAlias(modelName: string, alias: string): Promise<ComplianceVersion> },
  modelName: string,
  target: VersionTarget,
): Promise<{ number: number; version: ComplianceVersion }> {
  const version = 'version' in target ? await sources.getVersion(modelName, target.version) : await sources.getVersionByAlias(modelName, target.alias);
  const number = Number(version.version);
  if (!Number.isInteger(number) || number < 1) throw new Error(`The registry returned version '${String(version.version)}' for ${modelName}, which is not a version number.`);
  return { number, version };
}

/** Evaluates the policy for the resolved version. */
export function checkCompliance(
  policy: Policy,
  resolved: { number: number; version: ComplianceVersion },
  subject: Omit<EvaluationSubject, 'version'>,
  sources: ComplianceSources,
): Promise<ComplianceVerdict> {
  return evaluatePolicy(policy, resolved.version, { ...subject, version: resolved.number }, sources);
}

/** Writes and re-reads tags; the port the task wires to the MLflow UC registry. */
export interface TagWriter {
  setVersionTag(modelName: string, version: number, key: string, value: string): Promise<void>;
  getVersion(modelName: string, version: number): Promise<ComplianceVersion>;
}

/**
 * Sets each tag (a set is safe to repeat), then re-reads the version and throws when a tag does
 * not hold the value written, so a gate never reads a verdict other than the one reported.
 */
export async function writeVerdictTags(writer: TagWriter, modelName: string, version: number, tags: Array<{ key: string; value: string }>, logger: Logger): Promise<void> {
  for (const tag of tags) await writer.setVersionTag(modelName, version, tag.key, tag.value);
  const written = new Map((await writer.getVersion(modelName, version)).tags?.map((t) => [t.key, t.value]) ?? []);
  const wrong = tags.filter((tag) => written.get(tag.key) !== tag.value);
  if (wrong.length > 0) {
    throw new Error(`The tags ${wrong.map((t) => t.key).join(', ')} on ${modelName} version ${version} do not hold the verdict after writing them; another run may have written meanwhile.`);
  }
  logger.info(`Tagged ${modelName} version ${version}: ${tags.map((t) => `${t.key}=${t.value}`).join(', ')}.`);
}
