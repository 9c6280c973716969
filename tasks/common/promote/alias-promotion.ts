/**
 * Safe alias moves for champion/challenger promotion and rollback. Unity Catalog has no
 * compare-and-swap on aliases, so each move re-reads the alias just before writing, checks it still
 * points where the pipeline saw it, and reads it again afterwards. Every step is idempotent: a
 * re-run after a lost response finds the moves already made and finishes the rest.
 */
import type { Logger } from '../ports';
import {
  aliasVersion,
  explainOwnershipRefusal,
  isNotFound,
  type ModelVersionInfo,
  type RegisteredModelInfo,
  type UnityCatalogModels,
} from '../databricks/unity-catalog';

/** What the pipeline believes the alias points at before the move. */
export type ExpectedHolder =
  /** Check against what the alias pointed at when the task started. */
  | { kind: 'unchecked' }
  /** The alias must not point at any version (first promotion). */
  | { kind: 'none' }
  | { kind: 'version'; version: number };

/** One promotion or rollback to carry out. */
export interface PromotionRequest {
  /** `catalog.schema.model`. */
  modelName: string;
  action: 'promote' | 'rollback';
  /** Promote: the version to promote (required). Rollback: the version expected to be restored (optional). */
  version?: number;
  /** The alias to move, e.g. `champion`. */
  alias: string;
  expected: ExpectedHolder;
  /** Keeps the replaced holder for rollback, e.g. `previous_champion`; undefined keeps nothing. */
  previousAlias?: string;
  /** Aliases removed from the promoted version, e.g. `challenger`. Ignored by rollback. */
  removeAliases: string[];
}

/** One alias write that was made, or found already made. */
export interface AliasChange {
  alias: string;
  /** `set` points the alias at `version`; `delete` removes it from `version`. */
  operation: 'set' | 'delete';
  version: number;
  /** False when the alias was already in the wanted state (a re-run). */
  changed: boolean;
}

/** What the promotion did. */
export interface PromotionResult {
  action: 'promote' | 'rollback';
  modelName: string;
  alias: string;
  /** The version the alias pointed at before (undefined when nothing held it). */
  previousVersion?: number;
  /** The version the alias points at now. */
  promotedVersion: number;
  changes: AliasChange[];
  /** True when every move had already been made (a re-run of a finished step). */
  alreadyDone: boolean;
  /** The registered model's owner, for the summary. */
  modelOwner?: string;
}

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

/**
 * The alias no longer pointed at the version this task had just set: another writer moved it right
 * after. Unlike a {@link PromotionRefusedError}, our own write did happen, so the end state belongs
 * to the other writer and needs a look before any re-run.
 */
export class AliasMovedAfterWriteError extends Error {
  constructor(
    readonly modelName: string,
    readonly alias: string,
    /** The version this task set. */
    readonly setVersion: number,
    /** Where the alias pointed right afterwards (undefined: nowhere). */
    readonly foundVersion: number | undefined,
  ) {
    super(
      `Alias '${alias}' of ${modelName} points at ${describeHolder(foundVersion)} right after it was set to version ${setVersion}: another pipeline or user changed it concurrently. Check the model's aliases before re-running.`,
    );
    this.name = 'AliasMovedAfterWriteError';
  }
}

/** The Unity Catalog calls a promotion needs. */
export type AliasRegistry = Pick<
  UnityCatalogModels,
  'identity' | 'getRegisteredModel' | 'getModelVersion' | 'findVersionByAlias' | 'setAlias' | 'deleteAlias'
>;

/** What {@link promoteModel} needs. */
export interface PromotionDependencies {
  registry: AliasRegistry;
  logger: Logger;
  signal?: AbortSignal;
}

function describeHolder(version: number | undefined): string {
  return version === undefined ? 'no version' : `version ${version}`;
}

/** Reads the version and refuses anything but an existing READY version. */
async function requireReadyVersion(deps: PromotionDependencies, modelName: string, version: number, role: string): Promise<ModelVersionInfo> {
  let info: ModelVersionInfo;
  try {
    info = await deps.registry.getModelVersion(modelName, version, { signal: deps.signal });
  } catch (error) {
    if (isNotFound(error)) throw new PromotionRefusedError(`Version ${version} of model ${modelName} (${role}) does not exist.`, 'version-missing');
    throw error;
  }
  if (info.status !== 'READY') {
    throw new PromotionRefusedError(
      `Version ${version} of model ${modelName} (${role}) is ${info.status ?? 'in an unknown state'}, not READY; only READY versions can be served.`,
      'version-not-ready',
    );
  }
  return info;
}

async function readModel(deps: PromotionDependencies, modelName: string): Promise<RegisteredModelInfo> {
  try {
    return await deps.registry.getRegisteredModel(modelName, { signal: deps.signal });
  } catch (error) {
    if (isNotFound(error)) throw new PromotionRefusedError(`Registered model ${modelName} does not exist (or is not visible to ${deps.registry.identity}).`, 'model-missing');
    throw error;
  }
}

async function holderOf(deps: PromotionDependencies, modelName: string, alias: string): Promise<number | undefined> {
  const lookup = await deps.registry.findVersionByAlias(modelName, alias, { signal: deps.signal });
  return lookup.found ? Number(lookup.version.version) : undefined;
}

function validate(request: PromotionRequest): void {
  const { alias, previousAlias, removeAliases } = request;
  if (previousAlias !== undefined && previousAlias === alias) {
    throw new PromotionRefusedError(`'previousAlias' must differ from 'alias' ('${alias}').`, 'invalid-request');
  }
  for (const removed of removeAliases) {
    if (removed === alias || removed === previousAlias) {
      throw new PromotionRefusedError(`'removeAliases' must not contain '${removed}', which the promotion sets.`, 'invalid-request');
    }
  }
  if (request.action === 'promote' && request.version === undefined) {
    throw new PromotionRefusedError("Input 'version' is required to promote.", 'invalid-request');
  }
  if (request.action === 'rollback' && previousAlias === undefined) {
    throw new PromotionRefusedError("Input 'previousAlias' is required to roll back: it names the version to restore.", 'invalid-request');
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
 * Carries out a promotion or rollback and returns what changed. Throws
 * {@link PromotionRefusedError} before any write when a precondition fails, and an explained
 * {@link ApiError} when Unity Catalog refuses a write.
 */
export async function promoteModel(deps: PromotionDependencies, request: PromotionRequest): Promise<PromotionResult> {
  validate(request);
  const model = await readModel(deps, request.modelName);
  const permission = { identity: deps.registry.identity, modelName: request.modelName, owner: model.owner };
  try {
    return request.action === 'promote'
      ? await promote(deps, request, model)
      : await rollback(deps, request, model);
  } catch (error) {
    throw explainOwnershipRefusal(error, permission);
  }
}

async function setAlias(deps: PromotionDependencies, request: PromotionRequest, alias: string, version: number, changes: AliasChange[]): Promise<void> {
  deps.logger.info(`Pointing alias '${alias}' of ${request.modelName} at version ${version}.`);
  await deps.registry.setAlias(request.modelName, alias, version, { signal: deps.signal });
  changes.push({ alias, operation: 'set', version, changed: true });
}

/**
 * With no previous holder, a leftover previous alias would let a later rollback restore a version
 * that was not the last champion, so it goes.
 */
async function dropStalePrevious(deps: PromotionDependencies, request: PromotionRequest, previousAlias: string, changes: AliasChange[]): Promise<number | undefined> {
  const stale = await holderOf(deps, request.modelName, previousAlias);
  if (stale === undefined) return undefined;
  deps.logger.info(`No version held '${request.alias}'; removing the stale alias '${previousAlias}' (version ${stale}).`);
  const { deleted } = await deps.registry.deleteAlias(request.modelName, previousAlias, { signal: deps.signal });
  changes.push({ alias: previousAlias, operation: 'delete', version: stale, changed: deleted });
  return stale;
}

/** How to put the previous alias back as it was before this run touched it. */
interface PreviousAliasUndo {
  alias: string;
  /** The version it pointed at; undefined when it did not exist. */
  version: number | undefined;
}

/**
 * Puts the previous alias back after a refusal, so a refused run leaves every alias as it found
 * it. Best effort: returns a clause for the error message saying what happened.
 */
async function undoPrevious(deps: PromotionDependencies, request: PromotionRequest, undo: PreviousAliasUndo | undefined): Promise<string> {
  if (!undo) return '';
  try {
    if (undo.version === undefined) await deps.registry.deleteAlias(request.modelName, undo.alias, { signal: deps.signal });
    else await deps.registry.setAlias(request.modelName, undo.alias, undo.version, { signal: deps.signal });
    return ` and put '${undo.alias}' back to ${describeHolder(undo.version)}`;
  } catch (error) {
    return `, but could not put '${undo.alias}' back to ${describeHolder(undo.version)}: ${(error as Error).message}`;
  }
}

/**
 * The guarded write of the alias itself, sent once (a client retry after a backoff would bypass
 * the read just before it). When it fails, a read tells whether it landed anyway (a lost
 * response); otherwise the previous alias is put back and the failure reported, and a re-run
 * starts again from fresh reads.
 */
async function setGuardedAlias(deps: PromotionDependencies, request: PromotionRequest, alias: string, version: number, changes: AliasChange[], undo?: PreviousAliasUndo): Promise<void> {
  deps.logger.info(`Pointing alias '${alias}' of ${request.modelName} at version ${version}.`);
  try {
    await deps.registry.setAlias(request.modelName, alias, version, { signal: deps.signal, singleAttempt: true });
  } catch (error) {
    const now = await holderOf(deps, request.modelName, alias).catch(() => Promise.reject(error));
    if (now !== version) {
      const restored = await undoPrevious(deps, request, undo);
      if (restored) deps.logger.warn(`Setting '${alias}' failed; the task did not move it${restored}.`);
      throw error;
    }
    deps.logger.info(`Alias '${alias}' points at version ${version} although the answer to the write was lost.`);
  }
  changes.push({ alias, operation: 'set', version, changed: true });
}

/** Reads the alias after our write: a writer that landed right after ours shows up here. */
async function verifyHolder(deps: PromotionDependencies, request: PromotionRequest, alias: string, version: number): Promise<void> {
  const now = await holderOf(deps, request.modelName, alias);
  if (now !== version) throw new AliasMovedAfterWriteError(request.modelName, alias, version, now);
}

async function promote(deps: PromotionDependencies, request: PromotionRequest, model: RegisteredModelInfo): Promise<PromotionResult> {
  const version = request.version as number;
  const { alias, previousAlias, expected } = request;
  const seen = aliasVersion(model, alias);
  await requireReadyVersion(deps, request.modelName, version, 'to promote');

  // The pipeline's expectation is checked against a fresh read (and once more right before the
  // write): this keeps two pipelines from overwriting each other.
  const current = await holderOf(deps, request.modelName, alias);
  const changes: AliasChange[] = [];
  let previousVersion: number | undefined;

  if (current === version && !matchesExpectation(expected, current, seen)) {
    // Already promoted: a re-run after our own move, provided the previous holder was kept where
    // the first run would have kept it. Otherwise someone else promoted this version.
    const kept = previousAlias === undefined ? undefined : await holderOf(deps, request.modelName, previousAlias);
    const rerun = expected.kind !== 'version' || previousAlias === undefined || kept === expected.version;
    if (!rerun) {
      throw new PromotionRefusedError(
        `Alias '${alias}' of ${request.modelName} already points at version ${version}, but the pipeline expected ${expectationText(expected, seen)} and '${previousAlias ?? '(no previousAlias)'}' does not hold it: the alias was changed outside this pipeline. Nothing was moved.`,
        'concurrent-change',
        current,
      );
    }
    previousVersion = expected.kind === 'version' ? expected.version : expected.kind === 'none' ? undefined : kept;
    changes.push({ alias, operation: 'set', version, changed: false });
    if (previousAlias !== undefined && previousVersion !== undefined) changes.push({ alias: previousAlias, operation: 'set', version: previousVersion, changed: false });
    if (previousAlias !== undefined && expected.kind === 'none') await dropStalePrevious(deps, request, previousAlias, changes);
    deps.logger.info(`Alias '${alias}' already points at version ${version}; finishing the remaining steps.`);
  } else if (current === version) {
    // The expectation is that the alias already holds this version: nothing to move.
    previousVersion = previousAlias === undefined ? undefined : await holderOf(deps, request.modelName, previousAlias);
    changes.push({ alias, operation: 'set', version, changed: false });
    deps.logger.info(`Alias '${alias}' already points at version ${version}.`);
  } else {
    if (!matchesExpectation(expected, current, seen)) {
      throw new PromotionRefusedError(
        mismatchMessage(request.modelName, alias, current, expected, seen, 'Nothing was moved; re-run the comparison against the current holder.'),
        'concurrent-change',
        current,
      );
    }
    previousVersion = current;
    // Keep the old holder first: a failure between the two writes leaves the alias untouched and
    // the re-run repeats the same harmless write.
    let undo: PreviousAliasUndo | undefined;
    if (previousAlias !== undefined && current !== undefined) {
      const kept = await holderOf(deps, request.modelName, previousAlias);
      if (kept === current) {
        changes.push({ alias: previousAlias, operation: 'set', version: current, changed: false });
      } else {
        await setAlias(deps, request, previousAlias, current, changes);
        undo = { alias: previousAlias, version: kept };
      }
    } else if (previousAlias !== undefined) {
      const stale = await dropStalePrevious(deps, request, previousAlias, changes);
      if (stale !== undefined) undo = { alias: previousAlias, version: stale };
    }
    // Last look right before the write: what is left unguarded is one round trip, since Unity
    // Catalog has no conditional alias update.
    const last = await holderOf(deps, request.modelName, alias);
    if (last !== current) {
      const restored = await undoPrevious(deps, request, undo);
      throw new PromotionRefusedError(
        `Alias '${alias}' of ${request.modelName} moved from ${describeHolder(current)} to ${describeHolder(last)} while this task was promoting: another pipeline or user changed it concurrently. ` +
          `The task did not move it${restored}.`,
        'concurrent-change',
        last,
      );
    }
    await setGuardedAlias(deps, request, alias, version, changes, undo);
    await verifyHolder(deps, request, alias, version);
  }

  for (const removed of request.removeAliases) {
    const holder = await holderOf(deps, request.modelName, removed);
    if (holder !== version) {
      if (holder !== undefined) deps.logger.info(`Alias '${removed}' points at version ${holder}, not ${version}; leaving it.`);
      continue;
    }
    deps.logger.info(`Removing alias '${removed}' from version ${version}.`);
    const { deleted } = await deps.registry.deleteAlias(request.modelName, removed, { signal: deps.signal });
    changes.push({ alias: removed, operation: 'delete', version, changed: deleted });
  }

  return {
    action: 'promote',
    modelName: request.modelName,
    alias,
    previousVersion,
    promotedVersion: version,
    changes,
    alreadyDone: changes.every((change) => !change.changed),
    modelOwner: model.owner,
  };
}

async function rollback(deps: PromotionDependencies, request: PromotionRequest, model: RegisteredModelInfo): Promise<PromotionResult> {
  const { alias, expected } = request;
  const previousAlias = request.previousAlias as string;
  const seen = aliasVersion(model, alias);
  const target = await holderOf(deps, request.modelName, previousAlias);
  if (target !== undefined) await requireReadyVersion(deps, request.modelName, target, `to restore from '${previousAlias}'`);
  // Read last, right before the write.
  const current = await holderOf(deps, request.modelName, alias);
  const changes: AliasChange[] = [];

  if (target === undefined) {
    // Re-run of a finished rollback: the previous alias is gone and the alias holds the restored version.
    if (request.version !== undefined && current === request.version) {
      deps.logger.info(`Alias '${previousAlias}' is gone and '${alias}' points at version ${current}: the rollback is already done.`);
      return {
        action: 'rollback',
        modelName: request.modelName,
        alias,
        previousVersion: expected.kind === 'version' ? expected.version : undefined,
        promotedVersion: current,
        changes: [
          { alias, operation: 'set', version: current, changed: false },
          { alias: previousAlias, operation: 'delete', version: current, changed: false },
        ],
        alreadyDone: true,
        modelOwner: model.owner,
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
  let previousVersion: number | undefined = current;
  if (current === target) {
    // A re-run after the alias moved back but before the previous alias was deleted.
    previousVersion = expected.kind === 'version' ? expected.version : undefined;
    changes.push({ alias, operation: 'set', version: target, changed: false });
  } else {
    if (!matchesExpectation(expected, current, seen)) {
      throw new PromotionRefusedError(
        mismatchMessage(request.modelName, alias, current, expected, seen, 'Nothing was moved.'),
        'concurrent-change',
        current,
      );
    }
    await setGuardedAlias(deps, request, alias, target, changes);
    await verifyHolder(deps, request, alias, target);
  }
  deps.logger.info(`Deleting alias '${previousAlias}' (version ${target}).`);
  const { deleted } = await deps.registry.deleteAlias(request.modelName, previousAlias, { signal: deps.signal });
  changes.push({ alias: previousAlias, operation: 'delete', version: target, changed: deleted });

  return {
    action: 'rollback',
    modelName: request.modelName,
    alias,
    previousVersion,
    promotedVersion: target,
    changes,
    alreadyDone: changes.every((change) => !change.changed),
    modelOwner: model.owner,
  };
}
