/**
 * The decisions of a promotion or rollback, apart from the registry calls: from what the registry
 * held and what the pipeline asked for, which alias moves to make (or why to refuse). Pure, so every
 * branch is tested without a registry; `alias-promotion.ts` reads the state and applies the plan.
 */

/** What the pipeline believes the alias points at before the move. */
export type ExpectedHolder =
  /** Check against what the alias pointed at when the task started. */
  | { kind: 'unchecked' }
  /** The alias must not point at any version (first promotion). */
  | { kind: 'none' }
  | { kind: 'version'; version: number };

/** What a promotion and a rollback both name. */
interface AliasRequestBase {
  /** `catalog.schema.model`. */
  modelName: string;
  /** The alias to move, e.g. `champion`. */
  alias: string;
  expected: ExpectedHolder;
  /** Aliases removed from the promoted version, e.g. `challenger`. Ignored by rollback. */
  removeAliases: string[];
}

/** Points the alias at a given version. */
export interface PromoteRequest extends AliasRequestBase {
  action: 'promote';
  /** The version to promote. */
  version: number;
  /** Keeps the replaced holder for rollback, e.g. `previous_champion`; undefined keeps nothing. */
  previousAlias?: string;
}

/** Points the alias back at the version the previous alias kept, and deletes the previous alias. */
export interface RollbackRequest extends AliasRequestBase {
  action: 'rollback';
  /** The version expected to be restored; lets a re-run of a finished rollback be recognised. */
  version?: number;
  /** The alias that kept the version to restore, e.g. `previous_champion`. */
  previousAlias: string;
}

/** One promotion or rollback to carry out. */
export type PromotionRequest = PromoteRequest | RollbackRequest;

/**
 * The promotion was refused before anything moved: a concurrent alias change, a version that is
 * missing or not READY, or nothing to roll back to. The task fails and records the refusal.
 */
export class PromotionRefusedError extends Error {
  constructor(
    message: string,
    /** Machine-readable reason for the audit record. */
    readonly reason: 'concurrent-change' | 'version-not-ready' | 'version-missing' | 'model-missing' | 'nothing-to-roll-back' | 'invalid-request',
    /** What the alias pointed at when refused. */
    readonly currentVersion?: number,
  ) {
    super(message);
    this.name = 'PromotionRefusedError';
  }
}

/** What the registry held when the plan was made. */
export interface AliasState {
  /** The alias's holder when the task started (from the registered model read). */
  seen: number | undefined;
  /** The alias's holder now. */
  current: number | undefined;
  /** The previous alias's holder now; undefined also when the request keeps no previous alias. */
  previousHolder: number | undefined;
}

/** One step of a plan. Only `guarded-set` moves the alias itself. */
export type AliasMove =
  /** Already in the wanted state (a re-run): recorded, not written. */
  | { kind: 'unchanged'; alias: string; operation: 'set' | 'delete'; version: number }
  /** Points the previous alias at the replaced holder; undone (back to `restore`) when the guarded write is refused. */
  | { kind: 'keep-previous'; alias: string; version: number; restore: number | undefined }
  /**
   * Removes a previous alias left from an earlier champion: with no current holder it would let a
   * later rollback restore a version that was not the last champion. Undone like `keep-previous`.
   */
  | { kind: 'drop-stale-previous'; alias: string; version: number }
  /**
   * The alias write itself, sent once and re-read afterwards. With `unchangedFrom`, the alias is
   * read once more right before the write and must still have that holder.
   */
  | { kind: 'guarded-set'; alias: string; version: number; unchangedFrom?: { holder: number | undefined } }
  /** Rollback: deletes the previous alias once its version is restored. */
  | { kind: 'delete-restored'; alias: string; version: number }
  /** Removes the alias from the promoted version if it still points there when reached, e.g. `challenger`. */
  | { kind: 'remove-from-promoted'; alias: string; version: number };

/** The moves to make, in order, and what the result reports. */
export interface AliasPlan {
  /** The version the alias points at once the plan is applied. */
  promotedVersion: number;
  /** The version the alias pointed at before (undefined when nothing held it). */
  previousVersion: number | undefined;
  moves: AliasMove[];
  /** Logged before the moves, for a re-run that finds work already done. */
  note?: string;
}

/** `no version` or `version N`, for messages. */
export function describeHolder(version: number | undefined): string {
  return version === undefined ? 'no version' : `version ${version}`;
}

/** Refuses a request whose aliases contradict each other. */
export function validateRequest(request: PromotionRequest): void {
  const { alias, previousAlias, removeAliases } = request;
  if (previousAlias !== undefined && previousAlias === alias) {
    throw new PromotionRefusedError(`'previousAlias' must differ from 'alias' ('${alias}').`, 'invalid-request');
  }
  for (const removed of removeAliases) {
    if (removed === alias || removed === previousAlias) {
      throw new PromotionRefusedError(`'removeAliases' must not contain '${removed}', which the promotion sets.`, 'invalid-request');
    }
  }
}

/** Whether `current` satisfies the expectation; `seen` is the holder read when the task started. */
function matchesExpectation(expected: ExpectedHolder, current: number | undefined, seen: number | undefined): boolean {
  switch (expected.kind) {
    case 'unchecked':
      return current === seen;
    case 'none':
      return current === undefined;
    case 'version':
      return current === expected.version;
  }
}

function expectationText(expected: ExpectedHolder, seen: number | undefined): string {
  switch (expected.kind) {
    case 'unchecked':
      return `${describeHolder(seen)} (read when the task started)`;
    case 'none':
      return 'no version';
    case 'version':
      return `version ${expected.version}`;
  }
}

/**
 * Why the alias is not where the pipeline expected it. When it already had that holder as the task
 * started, nothing moved it during the step: the expectation itself may be mistyped or stale, so the
 * message names the holder and the input rather than blaming a concurrent writer.
 */
function mismatchMessage(modelName: string, alias: string, current: number | undefined, expected: ExpectedHolder, seen: number | undefined, tail: string): string {
  const found = `Alias '${alias}' of ${modelName} points at ${describeHolder(current)}, but the pipeline expected ${expectationText(expected, seen)}`;
  if (expected.kind !== 'unchecked' && current === seen) {
    return (
      `${found}. It pointed there already when this task started, so check 'expectedCurrentVersion': it should be the ` +
      `comparison's championVersion output, e.g. $(compare.championVersion) mapped into this job. If it is, the alias was moved ` +
      `after the comparison ran. ${tail}`
    );
  }
  return `${found}: it was changed concurrently. ${tail}`;
}

/**
 * Plans a promotion of `request.version`. The pipeline's expectation is checked against a fresh read (and
 * once more right before the write, by the `guarded-set` move): this keeps two pipelines from
 * overwriting each other. Throws {@link PromotionRefusedError} when the alias is not where the
 * pipeline expected it.
 */
export function planPromotion(request: PromoteRequest, state: AliasState): AliasPlan {
  const { alias, previousAlias, expected, version } = request;
  const { seen, current, previousHolder } = state;
  const removals: AliasMove[] = request.removeAliases.map((removed) => ({ kind: 'remove-from-promoted', alias: removed, version }));

  if (current === version && !matchesExpectation(expected, current, seen)) {
    // Already promoted: a re-run after our own move, provided the previous holder was kept where
    // the first run would have kept it. Otherwise someone else promoted this version.
    const rerun = expected.kind !== 'version' || previousAlias === undefined || previousHolder === expected.version;
    if (!rerun) {
      throw new PromotionRefusedError(
        `Alias '${alias}' of ${request.modelName} already points at version ${version}, but the pipeline expected ${expectationText(expected, seen)} and '${previousAlias ?? '(no previousAlias)'}' does not hold it: the alias was changed outside this pipeline. Nothing was moved.`,
        'concurrent-change',
        current,
      );
    }
    const previousVersion = expected.kind === 'version' ? expected.version : expected.kind === 'none' ? undefined : previousHolder;
    const moves: AliasMove[] = [{ kind: 'unchanged', alias, operation: 'set', version }];
    if (previousAlias !== undefined && previousVersion !== undefined) moves.push({ kind: 'unchanged', alias: previousAlias, operation: 'set', version: previousVersion });
    if (previousAlias !== undefined && expected.kind === 'none' && previousHolder !== undefined) moves.push({ kind: 'drop-stale-previous', alias: previousAlias, version: previousHolder });
    return { promotedVersion: version, previousVersion, moves: [...moves, ...removals], note: `Alias '${alias}' already points at version ${version}; finishing the remaining steps.` };
  }
  if (current === version) {
    // The expectation is that the alias already holds this version: nothing to move.
    return {
      promotedVersion: version,
      previousVersion: previousHolder,
      moves: [{ kind: 'unchanged', alias, operation: 'set', version }, ...removals],
      note: `Alias '${alias}' already points at version ${version}.`,
    };
  }
  if (!matchesExpectation(expected, current, seen)) {
    throw new PromotionRefusedError(
      mismatchMessage(request.modelName, alias, current, expected, seen, 'Nothing was moved; re-run the comparison against the current holder.'),
      'concurrent-change',
      current,
    );
  }
  // Keep the old holder first: a failure between the two writes leaves the alias untouched and
  // the re-run repeats the same harmless write.
  const moves: AliasMove[] = [];
  if (previousAlias !== undefined && current !== undefined) {
    moves.push(
      previousHolder === current
        ? { kind: 'unchanged', alias: previousAlias, operation: 'set', version: current }
        : { kind: 'keep-previous', alias: previousAlias, version: current, restore: previousHolder },
    );
  } else if (previousAlias !== undefined && previousHolder !== undefined) {
    moves.push({ kind: 'drop-stale-previous', alias: previousAlias, version: previousHolder });
  }
  moves.push({ kind: 'guarded-set', alias, version, unchangedFrom: { holder: current } }, ...removals);
  return { promotedVersion: version, previousVersion: current, moves };
}

/**
 * Plans a rollback to the version held by `previousAlias` (`state.previousHolder`). Throws
 * {@link PromotionRefusedError} when there is nothing to restore, the restored version is not the
 * one the pipeline named, or the alias is not where the pipeline expected it.
 */
export function planRollback(request: RollbackRequest, state: AliasState): AliasPlan {
  const { alias, expected, previousAlias } = request;
  const { seen, current, previousHolder: target } = state;

  if (target === undefined) {
    // Re-run of a finished rollback: the previous alias is gone and the alias holds the restored version.
    if (request.version !== undefined && current === request.version) {
      return {
        promotedVersion: current,
        previousVersion: expected.kind === 'version' ? expected.version : undefined,
        moves: [
          { kind: 'unchanged', alias, operation: 'set', version: current },
          { kind: 'unchanged', alias: previousAlias, operation: 'delete', version: current },
        ],
        note: `Alias '${previousAlias}' is gone and '${alias}' points at version ${current}: the rollback is already done.`,
      };
    }
    throw new PromotionRefusedError(
      `Nothing to roll back to: alias '${previousAlias}' of ${request.modelName} points at no version, and '${alias}' points at ${describeHolder(current)}. ` +
        `If this re-runs a rollback that already finished, set 'version' to the restored version so the task can recognise it.`,
      'nothing-to-roll-back',
      current,
    );
  }
  if (request.version !== undefined && request.version !== target) {
    throw new PromotionRefusedError(
      `Alias '${previousAlias}' of ${request.modelName} points at version ${target}, not at version ${request.version} given in 'version'. Nothing was moved.`,
      'concurrent-change',
      current,
    );
  }
  const restoreRemoval: AliasMove = { kind: 'delete-restored', alias: previousAlias, version: target };
  if (current === target) {
    // A re-run after the alias moved back but before the previous alias was deleted.
    return {
      promotedVersion: target,
      previousVersion: expected.kind === 'version' ? expected.version : undefined,
      moves: [{ kind: 'unchanged', alias, operation: 'set', version: target }, restoreRemoval],
    };
  }
  if (!matchesExpectation(expected, current, seen)) {
    throw new PromotionRefusedError(mismatchMessage(request.modelName, alias, current, expected, seen, 'Nothing was moved.'), 'concurrent-change', current);
  }
  // The alias was read last, right before this write: no extra look is needed.
  return { promotedVersion: target, previousVersion: current, moves: [{ kind: 'guarded-set', alias, version: target }, restoreRemoval] };
}
