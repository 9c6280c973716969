import type { ModelVersionTags } from './ports';

/**
 * Names of the model-version tags a decision writes. DatabricksModelVersionGate@1 (`requireSignOff`)
 * and the promote step read them: keep them stable.
 */
export const signOffTagNames = {
  status: 'signoff.status',
  by: 'signoff.by',
  at: 'signoff.at',
  url: 'signoff.url',
} as const;

/** A sign-off decision on a model version. */
export interface SignOffDecision {
  status: 'approved' | 'rejected';
  /** Unique name of the approver. */
  by: string;
  /** ISO time of the decision. */
  at: string;
  /** The work item's URL. */
  url: string;
}

/**
 * Writes the decision as model-version tags. `signoff.status` goes last, so a reader that sees the
 * status also sees who decided and when (each tag write is safe to repeat).
 */
export async function tagDecision(tags: ModelVersionTags, modelName: string, version: number, decision: SignOffDecision): Promise<void> {
  await tags.setTag(modelName, version, signOffTagNames.by, decision.by);
  await tags.setTag(modelName, version, signOffTagNames.at, decision.at);
  await tags.setTag(modelName, version, signOffTagNames.url, decision.url);
  await tags.setTag(modelName, version, signOffTagNames.status, decision.status);
}
