/**
 * The sign-off ports (`../signoff/ports.ts`) on Azure DevOps: Azure Boards work items, the identities
 * API for group membership, and pull-request threads, all through {@link AdoRest}.
 */
import type { JsonPatchOperation } from 'azure-devops-node-api/interfaces/common/VSSInterfaces';
import type { WorkItem, WorkItemUpdate } from 'azure-devops-node-api/interfaces/WorkItemTrackingInterfaces';
import type { ApproverDirectory, Identity, PullRequestThreads, SignOffBoard, SignOffDraft, SignOffItem, StateTransition, WorkItemTypeInfo } from '../signoff/ports';
import { adoResourceAreas, type AdoRest } from './ado-rest';

const permissions = {
  view: 'View work items in this node (on the area path)',
  edit: 'Edit work items in this node (on the area path)',
  comment: 'Edit work item comments in this node (on the area path)',
  identities: 'read identities (a member of Project Collection Valid Users)',
  pullRequest: 'Contribute to pull requests (on the repository)',
} as const;

/** Updates per page of `workItems/{id}/updates` (the service's default and maximum is 200). */
const updatesPage = 200;

function splitTags(value: unknown): string[] {
  return typeof value === 'string' ? value.split(';').map((tag) => tag.trim()).filter((tag) => tag !== '') : [];
}

function identityFrom(value: unknown): Identity {
  const ref = (value ?? {}) as { id?: string; uniqueName?: string; displayName?: string };
  return { id: ref.id, uniqueName: ref.uniqueName ?? ref.displayName ?? 'unknown', displayName: ref.displayName };
}

/** A patch operation; `op` as the REST API spells it (node-api's enum is numeric). */
function patch(path: string, value: unknown, op = 'add'): JsonPatchOperation {
  return { op, path, value } as unknown as JsonPatchOperation;
}

/** The sign-off board of one project. */
export class AzureBoardsSignOff implements SignOffBoard {
  constructor(private readonly rest: AdoRest) {}

  private itemUrl(id: number, item?: WorkItem): string {
    const html = (item?._links as { html?: { href?: string } } | undefined)?.html?.href;
    return html ?? `${this.rest.collectionUri}${encodeURIComponent(this.rest.project)}/_workitems/edit/${id}`;
  }

  private toItem(item: WorkItem): SignOffItem {
    const fields = item.fields ?? {};
    return { id: item.id ?? 0, state: String(fields['System.State'] ?? ''), tags: splitTags(fields['System.Tags']), url: this.itemUrl(item.id ?? 0, item) };
  }

  async getWorkItemType(name: string): Promise<WorkItemTypeInfo | undefined> {
    const wit = await this.rest.workItems();
    const type = await this.rest.call({ method: 'GET', what: `GET wit/workitemtypes/${name}`, permission: permissions.view }, () => wit.getWorkItemType(this.rest.project, name));
    if (!type) return undefined;
    return { name: type.name ?? name, states: (type.states ?? []).map((state) => state.name ?? '').filter(Boolean) };
  }

  async listWorkItemTypes(): Promise<string[]> {
    const wit = await this.rest.workItems();
    const types = await this.rest.call({ method: 'GET', what: 'GET wit/workitemtypes', permission: permissions.view }, () => wit.getWorkItemTypes(this.rest.project));
    return (types ?? []).map((type) => type.name ?? '').filter(Boolean);
  }

  async findByTag(tag: string): Promise<number[]> {
    const wit = await this.rest.workItems();
    const query = `SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.Tags] CONTAINS '${tag.replace(/'/g, "''")}' ORDER BY [System.Id] ASC`;
    // A WIQL POST only reads: safe to repeat.
    const result = await this.rest.call({ method: 'POST', what: 'POST wit/wiql', permission: permissions.view, idempotent: true }, () => wit.queryByWiql({ query }, { project: this.rest.project }));
    // CONTAINS on tags matches whole tags, but check: a prefix match would mix up versions 1 and 10.
    const ids = (result?.workItems ?? []).map((ref) => ref.id).filter((id): id is number => typeof id === 'number');
    const items = await Promise.all(ids.map((id) => this.get(id)));
    return items.filter((item): item is SignOffItem => item !== undefined && item.tags.includes(tag)).map((item) => item.id);
  }

  private document(draft: SignOffDraft, creating: boolean): JsonPatchOperation[] {
    const operations = [
      patch('/fields/System.Title', draft.title),
      patch('/fields/System.Description', draft.description),
      patch('/fields/System.Tags', draft.tags.join('; ')),
    ];
    if (draft.areaPath) operations.push(patch('/fields/System.AreaPath', draft.areaPath));
    if (draft.assignedTo) operations.push(patch('/fields/System.AssignedTo', draft.assignedTo));
    if (creating) {
      if (draft.buildArtifactUri) operations.push(patch('/relations/-', { rel: 'ArtifactLink', url: draft.buildArtifactUri, attributes: { name: 'Build' } }));
      if (draft.runUrl) operations.push(patch('/relations/-', { rel: 'Hyperlink', url: draft.runUrl, attributes: { comment: 'Pipeline run that requested the sign-off' } }));
    }
    return operations;
  }

  async create(draft: SignOffDraft): Promise<SignOffItem> {
    const wit = await this.rest.workItems();
    const item = await this.rest.call(
      { method: 'POST', what: `POST wit/workitems/$${draft.workItemType}`, permission: permissions.edit, retries: 0 },
      () => wit.createWorkItem({}, this.document(draft, true), this.rest.project, draft.workItemType),
    );
    if (!item?.id) throw new Error(`Azure DevOps did not create the ${draft.workItemType} work item (no id in the answer); check 'workItemType'.`);
    return this.toItem(item);
  }

  async update(id: number, draft: SignOffDraft): Promise<SignOffItem> {
    const wit = await this.rest.workItems();
    // Replaces the same fields with the same values when repeated: safe to retry.
    const item = await this.rest.call(
      { method: 'PATCH', what: `PATCH wit/workitems/${id}`, permission: permissions.edit, idempotent: true },
      () => wit.updateWorkItem({}, this.document(draft, false), id, this.rest.project),
    );
    if (!item?.id) throw new Error(`Sign-off work item ${id} could not be updated: it no longer exists.`);
    return this.toItem(item);
  }

  async get(id: number): Promise<SignOffItem | undefined> {
    const wit = await this.rest.workItems();
    // node-api answers a 404 with null.
    const item = await this.rest.call({ method: 'GET', what: `GET wit/workitems/${id}`, permission: permissions.view }, () => wit.getWorkItem(id, undefined, undefined, undefined, this.rest.project));
    return item?.id ? this.toItem(item) : undefined;
  }

  async transitions(id: number): Promise<StateTransition[]> {
    const wit = await this.rest.workItems();
    const updates: WorkItemUpdate[] = [];
    for (let skip = 0; ; skip += updatesPage) {
      const page = await this.rest.call({ method: 'GET', what: `GET wit/workitems/${id}/updates`, permission: permissions.view }, () => wit.getUpdates(id, updatesPage, skip, this.rest.project));
      updates.push(...(page ?? []));
      if (!page || page.length < updatesPage) break;
    }
    return updates
      .filter((update) => update.fields?.['System.State']?.newValue !== undefined)
      .map((update) => {
        const state = update.fields!['System.State'];
        // `revisedDate` is when the revision was superseded (9999-01-01 for the current one); when
        // the change was made is the update's System.ChangedDate.
        const revised = update.fields?.['System.ChangedDate']?.newValue ?? '';
        return {
          update: update.id ?? update.rev ?? 0,
          from: state.oldValue === undefined ? undefined : String(state.oldValue),
          to: String(state.newValue),
          by: identityFrom(update.revisedBy),
          at: revised instanceof Date ? revised.toISOString() : String(revised ?? ''),
        };
      });
  }

  async comment(id: number, html: string): Promise<void> {
    const wit = await this.rest.workItems();
    // A repeated comment is a duplicate line, not a wrong state: worth it for the reason to be seen.
    await this.rest.call({ method: 'POST', what: `POST wit/workItems/${id}/comments`, permission: permissions.comment, idempotent: true }, () => wit.addComment({ text: html }, this.rest.project, id));
  }
}

/** One identity of the identities API (`_apis/identities`). */
interface IdentityRecord {
  id?: string;
  descriptor?: string;
  providerDisplayName?: string;
  isContainer?: boolean;
  members?: string[];
  properties?: Record<string, { $value?: string } | undefined>;
}

/** Most descriptors per `_apis/identities?descriptors=` request (URL length). */
const descriptorBatch = 50;

/** Group membership through the identities API (`queryMembership=Expanded` lists nested members too). */
export class IdentityDirectory implements ApproverDirectory {
  constructor(private readonly rest: AdoRest) {}

  private async read(query: Record<string, string>): Promise<IdentityRecord[]> {
    const base = await this.rest.areaUrl(adoResourceAreas.identities);
    const wit = await this.rest.workItems();
    const search = new URLSearchParams({ ...query, 'api-version': '7.1' });
    const url = `${base}_apis/identities?${search.toString()}`;
    const response = await this.rest.call({ method: 'GET', what: 'GET _apis/identities', permission: permissions.identities }, () =>
      wit.rest.get<{ value?: IdentityRecord[] }>(url, { acceptHeader: 'application/json;api-version=7.1' }),
    );
    return response.result?.value ?? [];
  }

  async membersOf(group: string): Promise<Identity[] | undefined> {
    const found = (await this.read({ searchFilter: 'General', filterValue: group, queryMembership: 'Expanded' })).filter((identity) => identity.isContainer);
    const match = found.find((identity) => (identity.providerDisplayName ?? '').toLowerCase() === group.toLowerCase()) ?? (found.length === 1 ? found[0] : undefined);
    if (!match) return undefined;
    const descriptors = match.members ?? [];
    const members: Identity[] = [];
    for (let start = 0; start < descriptors.length; start += descriptorBatch) {
      const batch = await this.read({ descriptors: descriptors.slice(start, start + descriptorBatch).join(','), queryMembership: 'None' });
      for (const identity of batch) {
        if (identity.isContainer) continue;
        const account = identity.properties?.Account?.$value ?? identity.properties?.Mail?.$value;
        if (account) members.push({ id: identity.id, uniqueName: account, displayName: identity.providerDisplayName });
      }
    }
    return members;
  }
}

/** Pull-request threads through the Git client. */
export class PullRequestComments implements PullRequestThreads {
  constructor(private readonly rest: AdoRest) {}

  async comment(repositoryId: string, pullRequestId: number, markdown: string): Promise<void> {
    const git = await this.rest.git();
    await this.rest.call({ method: 'POST', what: `POST git/repositories/${repositoryId}/pullRequests/${pullRequestId}/threads`, permission: permissions.pullRequest, retries: 0 }, () =>
      // status 1 = active; commentType 1 = text.
      git.createThread({ comments: [{ parentCommentId: 0, content: markdown, commentType: 1 }], status: 1 }, repositoryId, pullRequestId, this.rest.project),
    );
  }
}
