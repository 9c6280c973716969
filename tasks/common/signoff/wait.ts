import type { Clock, Logger } from '../ports';
import { nextPollDelay, type PollSchedule } from '../runs/poll-schedule';
import { escapeHtml } from './evidence';
import { checkApprover, resolveApprovers, type Approver, type Requester } from './approvers';
import type { ApproverDirectory, Identity, SignOffBoard, SignOffItem, StateTransition } from './ports';

/** What to wait for. */
export interface WaitSpec {
  id: number;
  approvedStates: string[];
  rejectedStates: string[];
  timeoutMs: number;
  approvers: Approver[];
  requester: Requester;
  allowRequesterApproval: boolean;
}

/** What the waiter uses. */
export interface WaitDependencies {
  board: SignOffBoard;
  directory: ApproverDirectory;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  /** Progress for the agent (`task.setprogress`), so a long wait does not look hung. */
  progress?: (percent: number, text: string) => void;
  schedule?: PollSchedule;
}

/** A transition that was not accepted, with the reason. */
export interface RefusedTransition {
  transition: StateTransition;
  reason: string;
}

/** How the wait ended. */
export type WaitOutcome =
  | { status: 'approved' | 'rejected'; by: Identity; at: string; via: string; item: SignOffItem; refused: RefusedTransition[] }
  | { status: 'timedOut'; item: SignOffItem; refused: RefusedTransition[] };

/** The poll floor and cap for sign-offs: people take minutes, not seconds. */
export const signOffPollSchedule: PollSchedule = { floorMs: 2_000, capMs: 60_000, growth: 0.3 };

const inList = (state: string, list: readonly string[]): boolean => list.some((entry) => entry.toLowerCase() === state.toLowerCase());

async function readItem(board: SignOffBoard, id: number): Promise<SignOffItem> {
  const item = await board.get(id);
  if (!item) throw new Error(`Sign-off work item ${id} no longer exists (deleted while waiting).`);
  return item;
}

/** The transition that put the item into its current state: the last one into that state. */
function lastTransitionInto(transitions: StateTransition[], state: string): StateTransition | undefined {
  return [...transitions].reverse().find((transition) => transition.to.toLowerCase() === state.toLowerCase());
}

function refusalComment(refusal: RefusedTransition, spec: WaitSpec): string {
  const { transition } = refusal;
  return [
    `<p><b>Sign-off not accepted.</b> ${escapeHtml(transition.by.displayName ?? transition.by.uniqueName)} moved this work item to <b>${escapeHtml(transition.to)}</b> at ${escapeHtml(transition.at)}, but ${escapeHtml(refusal.reason)}.</p>`,
    `<p>The pipeline is still waiting. An approver should move the work item back to an open state and then to ${escapeHtml(spec.approvedStates.join(' or '))} (approve) or ${escapeHtml(spec.rejectedStates.join(' or '))} (reject).</p>`,
  ].join('\n');
}

/**
 * Polls the sign-off work item until an approver moves it to an approved or rejected state, or until
 * the timeout. A move by someone who may not decide is refused: logged, commented on the work item
 * once, and the wait goes on.
 */
export async function waitForSignOff(deps: WaitDependencies, spec: WaitSpec): Promise<WaitOutcome> {
  const { board, clock, logger, signal } = deps;
  const started = clock.now();
  const refused: RefusedTransition[] = [];
  const reported = new Set<number>();
  for (let poll = 1; ; poll++) {
    if (signal?.aborted) throw signal.reason;
    const item = await readItem(board, spec.id);
    const decision = inList(item.state, spec.approvedStates) ? 'approved' : inList(item.state, spec.rejectedStates) ? 'rejected' : undefined;
    if (decision) {
      const transition = lastTransitionInto(await board.transitions(spec.id), item.state);
      if (!transition) {
        // Created in that state (or its history is unreadable): nobody decided, so it does not count.
        logger.warn(`Work item ${spec.id} is in state '${item.state}' but no update shows who moved it there; waiting for a transition by an approver.`);
      } else if (!reported.has(transition.update)) {
        const check = checkApprover(transition.by, decision, await resolveApprovers(spec.approvers, deps.directory), spec.requester, spec.allowRequesterApproval);
        if (check.accepted) {
          return { status: decision, by: transition.by, at: transition.at, via: check.via, item, refused };
        }
        const refusal = { transition, reason: check.reason };
        refused.push(refusal);
        reported.add(transition.update);
        logger.warn(`Refused: ${transition.by.uniqueName} moved work item ${spec.id} to '${transition.to}' at ${transition.at}, but ${check.reason}. Still waiting.`);
        await board.comment(spec.id, refusalComment(refusal, spec));
      }
    }
    const elapsed = clock.now() - started;
    if (elapsed >= spec.timeoutMs) return { status: 'timedOut', item, refused };
    const delay = Math.min(nextPollDelay(elapsed, deps.schedule ?? signOffPollSchedule), spec.timeoutMs - elapsed);
    deps.progress?.((elapsed / spec.timeoutMs) * 100, `Waiting for sign-off on work item ${spec.id} (state '${item.state}')`);
    if (poll === 1 || poll % 10 === 0) {
      logger.info(`Work item ${spec.id} is '${item.state}'; waiting for ${spec.approvedStates.join('/')} or ${spec.rejectedStates.join('/')} (${Math.round(elapsed / 1000)} s of ${Math.round(spec.timeoutMs / 1000)} s). Next check in ${Math.round(delay / 1000)} s.`);
    }
    await clock.sleep(delay, signal);
  }
}
