import type { ApproverDirectory, Identity } from './ports';

/** One line of `approvers`: a user by unique name, or an Azure DevOps group. */
export type Approver = { kind: 'user'; uniqueName: string } | { kind: 'group'; name: string };

/** `[scope]\Group name`, the way Azure DevOps prints group names (`[Fabrikam]\Release Approvers`). */
const groupPattern = /^\[[^\]]+\]\\.+$/;

/**
 * Reads the `approvers` lines. A line that looks like `[scope]\name` is a group, anything else a user's
 * unique name (`alice@contoso.com`, or `DOMAIN\alice` on Azure DevOps Server). Blank lines are ignored;
 * an empty list is an error, since nobody could ever sign.
 */
export function parseApprovers(inputName: string, value: string | undefined): Approver[] {
  const lines = (value ?? '')
    .split(/\r?\n|,/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) {
    throw new Error(`Input '${inputName}' is required: list at least one user (unique name, e.g. alice@contoso.com) or group ([Project]\\Group name), one per line.`);
  }
  return lines.map((line) => (groupPattern.test(line) ? { kind: 'group', name: line } : { kind: 'user', uniqueName: line }));
}

/** Approvers with every group replaced by its members at the time of resolution. */
export interface ResolvedApprovers {
  users: Set<string>;
  /** Group name → members' unique names. */
  groups: Map<string, Set<string>>;
}

const key = (uniqueName: string): string => uniqueName.trim().toLowerCase();

/** Resolves the groups through the directory; a group that does not exist is an error (fail closed). */
export async function resolveApprovers(approvers: readonly Approver[], directory: ApproverDirectory): Promise<ResolvedApprovers> {
  const resolved: ResolvedApprovers = { users: new Set(), groups: new Map() };
  for (const approver of approvers) {
    if (approver.kind === 'user') {
      resolved.users.add(key(approver.uniqueName));
      continue;
    }
    const members = await directory.membersOf(approver.name);
    if (members === undefined) throw new Error(`Approver group '${approver.name}' was not found in Azure DevOps. Write groups as [Project]\\Group name, exactly as the project settings show them.`);
    resolved.groups.set(approver.name, new Set(members.map((member) => key(member.uniqueName))));
  }
  return resolved;
}

/** Who ran the pipeline (`Build.RequestedForId`, `Build.RequestedForEmail`). */
export interface Requester {
  id?: string;
  uniqueName?: string;
}

/** Why a transition counts, or why not. */
export type ApprovalCheck = { accepted: true; via: string } | { accepted: false; reason: string };

/** Whether `who` is the requester of the run. */
export function isRequester(who: Identity, requester: Requester): boolean {
  if (requester.id && who.id && requester.id.toLowerCase() === who.id.toLowerCase()) return true;
  return Boolean(requester.uniqueName && key(requester.uniqueName) === key(who.uniqueName));
}

/**
 * Applies the segregation-of-duties rules to whoever moved the work item: an approver (listed, or a
 * member of a listed group), and, for an approval, not the person the run was requested for unless
 * the pipeline allows it.
 */
export function checkApprover(who: Identity, decision: 'approved' | 'rejected', approvers: ResolvedApprovers, requester: Requester, allowRequesterApproval: boolean): ApprovalCheck {
  if (decision === 'approved' && !allowRequesterApproval && isRequester(who, requester)) {
    return { accepted: false, reason: `${who.uniqueName} requested this pipeline run and may not approve their own model (allowRequesterApproval is false)` };
  }
  const name = key(who.uniqueName);
  if (approvers.users.has(name)) return { accepted: true, via: 'listed approver' };
  for (const [group, members] of approvers.groups) {
    if (members.has(name)) return { accepted: true, via: `member of ${group}` };
  }
  return { accepted: false, reason: `${who.uniqueName} is not one of the approvers (neither listed nor a member of a listed group)` };
}

/** The approvers as one line for descriptions and logs. */
export function describeApprovers(approvers: readonly Approver[]): string {
  return approvers.map((approver) => (approver.kind === 'user' ? approver.uniqueName : approver.name)).join(', ');
}
