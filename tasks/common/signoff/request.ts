import type { Logger } from '../ports';
import { ApiError } from '../http/errors';
import type { SignOffBoard, SignOffDraft, SignOffItem } from './ports';

/** Tag every sign-off request carries, so people can query them all. */
export const signOffTag = 'model-signoff';

/**
 * The tag that identifies the request of one model version in one pipeline run: the idempotency key a
 * re-run or a retried creation looks for. Model names are `[A-Za-z0-9_-]` parts joined by dots, so
 * the tag needs no escaping in WIQL or in `System.Tags` (which splits on `;`).
 */
export function requestTag(modelName: string, version: number, runKey: string): string {
  return `${signOffTag}:${modelName}:${version}:${runKey}`;
}

/** Prefix of every request tag of one model version, to check that a `signOffId` is about that version. */
export function versionTagPrefix(modelName: string, version: number): string {
  return `${signOffTag}:${modelName}:${version}:`;
}

/** Checks the work-item type and the configured states before anything is written. */
export async function checkWorkItemType(board: SignOffBoard, type: string, stateInputs: Record<string, readonly string[]>): Promise<void> {
  const info = await board.getWorkItemType(type);
  if (!info) {
    const known = await board.listWorkItemTypes();
    throw new Error(`Invalid 'workItemType' '${type}': the project has no such work-item type. Expected one of: ${known.join(', ')}.`);
  }
  const states = new Set(info.states.map((state) => state.toLowerCase()));
  for (const [input, values] of Object.entries(stateInputs)) {
    const unknown = values.filter((state) => !states.has(state.toLowerCase()));
    if (unknown.length > 0) {
      throw new Error(`Invalid '${input}' '${unknown.join(', ')}': work-item type '${info.name}' has no such state. Its states are: ${info.states.join(', ')}.`);
    }
  }
}

/** Outcome of {@link requestSignOff}. */
export interface RequestOutcome {
  item: SignOffItem;
  /** False when an existing request of the same version and run was found and refreshed. */
  created: boolean;
}

/** Whether a failed create may still have created the item: no answer, or a server error. */
function outcomeUnknown(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status === undefined || error.status >= 500;
}

/**
 * Finds the request of this version and run (by its tag) and refreshes it, or creates it. The
 * creation is sent once; when its outcome is unknown (dropped connection, 5xx) the tag query runs
 * again, so a retry never leaves two requests.
 */
export async function requestSignOff(deps: { board: SignOffBoard; logger: Logger }, tag: string, draft: SignOffDraft): Promise<RequestOutcome> {
  const { board, logger } = deps;
  const existing = await board.findByTag(tag);
  if (existing.length > 0) {
    if (existing.length > 1) logger.warn(`Found ${existing.length} sign-off requests tagged ${tag} (${existing.join(', ')}); using the oldest, ${existing[0]}.`);
    return { item: await board.update(existing[0], draft), created: false };
  }
  try {
    return { item: await board.create(draft), created: true };
  } catch (error) {
    if (!outcomeUnknown(error)) throw error;
    logger.debug(`Creating the sign-off work item failed without a clear answer; looking for it by tag ${tag}.`);
    const found = await board.findByTag(tag);
    if (found.length === 0) throw error;
    const item = await board.get(found[0]);
    if (!item) throw error;
    return { item, created: true };
  }
}
