/**
 * Safe alias moves for champion/challenger promotion and rollback. Unity Catalog has no
 * compare-and-swap on aliases, so each move re-reads the alias just before writing, checks it still
 * points where the pipeline saw it, and reads it again afterwards. Every step is idempotent: a
 * re-run after a lost response finds the moves already made and finishes the rest.
 */
import { ApiError, toError } from '../http/errors';
import { parseRetryAfter } from '../http/retry-policy';
import type { Clock, Logger } from '../ports';
import {
  aliasVersion,
  explainOwnershipRefusal,
  isNotFound,
  type ModelVersionInfo,
  type RegisteredModelInfo,
  type UnityCatalogModels,
} from '../databricks/unity-catalog';
import {
  PromotionRefusedError,
  describeHolder,
  planPromotion,
  planRollback,
  validateRequest,
  type AliasMove,
  type AliasPlan,
  type AliasState,
  type PromoteRequest,
  type PromotionRequest,
  type RollbackRequest,
} from './promotion-plan';

export { PromotionRefusedError, type ExpectedHolder, type PromoteRequest, type PromotionRequest, type RollbackRequest } from './promotion-plan';

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
  /** For waiting out a throttled (429) guarded write; without it such a write fails at once. */
  clock?: Clock;
}

/** Attempts of the guarded write when the workspace throttles it (each preceded by its own last look). */
const guardedWriteAttempts = 5;

/** How long to wait before writing again after a 429: the server's `Retry-After`, else a doubling second. */
function throttleDelayMs(error: ApiError, attempt: number, nowMs: number): number {
  const asked = parseRetryAfter(error.details.retryAfter, nowMs);
  return asked !== undefined && asked > 0 ? Math.min(asked, 120_000) : 1_000 * 2 ** (attempt - 1);
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

/**
 * Carries out a promotion or rollback and returns what changed. Throws
 * {@link PromotionRefusedError} before any write when a precondition fails, and an explained
 * {@link ApiError} when Unity Catalog refuses a write.
 */
export async function promoteModel(deps: PromotionDependencies, request: PromotionRequest): Promise<PromotionResult> {
  validateRequest(request);
  const model = await readModel(deps, request.modelName);
  const permission = { identity: deps.registry.identity, modelName: request.modelName, owner: model.owner };
  try {
    const plan = request.action === 'promote' ? await readAndPlanPromotion(deps, request, model) : await readAndPlanRollback(deps, request, model);
    const changes = await applyPlan(deps, request, plan);
    return {
      action: request.action,
      modelName: request.modelName,
      alias: request.alias,
      previousVersion: plan.previousVersion,
      promotedVersion: plan.promotedVersion,
      changes,
      alreadyDone: changes.every((change) => !change.changed),
      modelOwner: model.owner,
    };
  } catch (error) {
    throw explainOwnershipRefusal(error, permission);
  }
}


/** Reads what a promotion depends on, in the order that leaves the shortest window before the write. */
async function readAndPlanPromotion(deps: PromotionDependencies, request: PromoteRequest, model: RegisteredModelInfo): Promise<AliasPlan> {
  await requireReadyVersion(deps, request.modelName, request.version, 'to promote');
  const state: AliasState = { seen: aliasVersion(model, request.alias), current: await holderOf(deps, request.modelName, request.alias), previousHolder: undefined };
  if (request.previousAlias !== undefined) state.previousHolder = await holderOf(deps, request.modelName, request.previousAlias);
  return planPromotion(request, state);
}

/** Reads what a rollback depends on; the alias itself is read last, right before the write. */
async function readAndPlanRollback(deps: PromotionDependencies, request: RollbackRequest, model: RegisteredModelInfo): Promise<AliasPlan> {
  const { previousAlias } = request;
  const target = await holderOf(deps, request.modelName, previousAlias);
  if (target !== undefined) await requireReadyVersion(deps, request.modelName, target, `to restore from '${previousAlias}'`);
  const state: AliasState = { seen: aliasVersion(model, request.alias), current: await holderOf(deps, request.modelName, request.alias), previousHolder: target };
  return planRollback(request, state);
}

/** How to put the previous alias back as it was before this run touched it. */
interface PreviousAliasUndo {
  alias: string;
  /** The version it pointed at; undefined when it did not exist. */
  version: number | undefined;
}

/**
 * Makes the plan's moves in order and returns the changes made or found made. A refused or failed
 * guarded write puts back the previous alias that an earlier move of this plan changed.
 */
async function applyPlan(deps: PromotionDependencies, request: PromotionRequest, plan: AliasPlan): Promise<AliasChange[]> {
  if (plan.note) deps.logger.info(plan.note);
  const changes: AliasChange[] = [];
  let undo: PreviousAliasUndo | undefined;
  for (const move of plan.moves) {
    switch (move.kind) {
      case 'unchanged':
        changes.push({ alias: move.alias, operation: move.operation, version: move.version, changed: false });
        break;
      case 'keep-previous':
        deps.logger.info(`Pointing alias '${move.alias}' of ${request.modelName} at version ${move.version}.`);
        await deps.registry.setAlias(request.modelName, move.alias, move.version, { signal: deps.signal });
        changes.push({ alias: move.alias, operation: 'set', version: move.version, changed: true });
        undo = { alias: move.alias, version: move.restore };
        break;
      case 'drop-stale-previous':
        deps.logger.info(`No version held '${request.alias}'; removing the stale alias '${move.alias}' (version ${move.version}).`);
        changes.push(await deleteAlias(deps, request, move));
        undo = { alias: move.alias, version: move.version };
        break;
      case 'guarded-set':
        await setGuardedAlias(deps, request, move, undo);
        changes.push({ alias: move.alias, operation: 'set', version: move.version, changed: true });
        break;
      case 'delete-restored':
        deps.logger.info(`Deleting alias '${move.alias}' (version ${move.version}).`);
        changes.push(await deleteAlias(deps, request, move));
        break;
      case 'remove-from-promoted': {
        const change = await removeFromPromoted(deps, request, move);
        if (change) changes.push(change);
        break;
      }
    }
  }
  return changes;
}

async function deleteAlias(deps: PromotionDependencies, request: PromotionRequest, move: { alias: string; version: number }): Promise<AliasChange> {
  const { deleted } = await deps.registry.deleteAlias(request.modelName, move.alias, { signal: deps.signal });
  return { alias: move.alias, operation: 'delete', version: move.version, changed: deleted };
}

/** Re-reads the alias when it is reached: one that moved to another version since is left alone. */
async function removeFromPromoted(deps: PromotionDependencies, request: PromotionRequest, move: { alias: string; version: number }): Promise<AliasChange | undefined> {
  const holder = await holderOf(deps, request.modelName, move.alias);
  if (holder !== move.version) {
    if (holder !== undefined) deps.logger.info(`Alias '${move.alias}' points at version ${holder}, not ${move.version}; leaving it.`);
    return undefined;
  }
  deps.logger.info(`Removing alias '${move.alias}' from version ${move.version}.`);
  return deleteAlias(deps, request, move);
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
    return `, but could not put '${undo.alias}' back to ${describeHolder(undo.version)}: ${toError(error).message}`;
  }
}

/** With `unchangedFrom`, the read right before the write: the alias must still be where the plan found it. */
async function lastLook(deps: PromotionDependencies, request: PromotionRequest, move: Extract<AliasMove, { kind: 'guarded-set' }>, undo: PreviousAliasUndo | undefined): Promise<void> {
  if (!move.unchangedFrom) return;
  const expected = move.unchangedFrom.holder;
  const last = await holderOf(deps, request.modelName, move.alias);
  if (last === expected) return;
  const restored = await undoPrevious(deps, request, undo);
  throw new PromotionRefusedError(
    `Alias '${move.alias}' of ${request.modelName} moved from ${describeHolder(expected)} to ${describeHolder(last)} while this task was promoting: another pipeline or user changed it concurrently. ` +
      `The task did not move it${restored}.`,
    'concurrent-change',
    last,
  );
}

/**
 * The guarded write of the alias itself. With `unchangedFrom`, a last look right before the write:
 * what is left unguarded is one round trip, since Unity Catalog has no conditional alias update.
 * The write is sent once (a client retry after a backoff would bypass the read just before it); a
 * throttled write (429, which did nothing) is written again only after a new last look.
 * When it fails, a read tells whether it landed anyway (a lost response); otherwise the previous
 * alias is put back and the failure reported, and a re-run starts again from fresh reads. A read
 * after the write catches a writer that landed right after ours.
 */
async function setGuardedAlias(deps: PromotionDependencies, request: PromotionRequest, move: Extract<AliasMove, { kind: 'guarded-set' }>, undo: PreviousAliasUndo | undefined): Promise<void> {
  const { alias, version } = move;
  for (let attempt = 1; ; attempt++) {
    await lastLook(deps, request, move, undo);
    deps.logger.info(`Pointing alias '${alias}' of ${request.modelName} at version ${version}.`);
    try {
      await deps.registry.setAlias(request.modelName, alias, version, { signal: deps.signal, singleAttempt: true });
      break;
    } catch (error) {
      // A 429 did nothing: wait, then look at the alias again before the next single write.
      if (error instanceof ApiError && error.status === 429 && deps.clock && attempt < guardedWriteAttempts) {
        const delayMs = throttleDelayMs(error, attempt, deps.clock.now());
        deps.logger.warn(`The workspace throttled the write of '${alias}' (429); looking at it again and writing once more in ${Math.ceil(delayMs / 1000)} s.`);
        await deps.clock.sleep(delayMs, deps.signal);
        continue;
      }
      const now = await holderOf(deps, request.modelName, alias).catch(() => Promise.reject(error));
      if (now !== version) {
        const restored = await undoPrevious(deps, request, undo);
        if (restored) deps.logger.warn(`Setting '${alias}' failed; the task did not move it${restored}.`);
        throw error;
      }
      deps.logger.info(`Alias '${alias}' points at version ${version} although the answer to the write was lost.`);
      break;
    }
  }
  const now = await holderOf(deps, request.modelName, alias);
  if (now !== version) throw new AliasMovedAfterWriteError(request.modelName, alias, version, now);
}
