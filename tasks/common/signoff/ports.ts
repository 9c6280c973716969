/**
 * What the sign-off logic needs from Azure Boards and from the model registry, as small interfaces:
 * the Azure DevOps adapter (`../azure-devops/sign-off-board.ts`) and the MLflow client implement them,
 * tests pass fakes.
 */

/** A person (or service identity) as Azure DevOps reports it on a work-item update. */
export interface Identity {
  /** Storage key (GUID); compared with `Build.RequestedForId`. */
  id?: string;
  /** Sign-in name (`alice@contoso.com`, `CONTOSO\alice`); how `approvers` names users. */
  uniqueName: string;
  displayName?: string;
}

/** A sign-off work item as the waiting logic reads it. */
export interface SignOffItem {
  id: number;
  /** Current `System.State`. */
  state: string;
  /** `System.Tags`, split. */
  tags: string[];
  /** The work item's page in Azure Boards. */
  url: string;
}

/** One change of `System.State`, from the work item's updates. */
export interface StateTransition {
  /** Update number (`id` of the update); identifies the transition for "already reported". */
  update: number;
  from?: string;
  to: string;
  by: Identity;
  /** ISO time of the change (`revisedDate`). */
  at: string;
}

/** The fields a sign-off request writes. */
export interface SignOffDraft {
  title: string;
  /** HTML (`System.Description`). */
  description: string;
  tags: string[];
  workItemType: string;
  areaPath?: string;
  assignedTo?: string;
  /** `vstfs:///Build/Build/<id>` artifact link to the run's build, when the run is a build. */
  buildArtifactUri?: string;
  /** Hyperlink to the pipeline run. */
  runUrl?: string;
}

/** A work-item type: its states, so configured states can be checked before anything is created. */
export interface WorkItemTypeInfo {
  name: string;
  states: string[];
}

/** Azure Boards, as far as a sign-off goes. */
export interface SignOffBoard {
  /** The work-item type, or undefined when the project has no such type. */
  getWorkItemType(name: string): Promise<WorkItemTypeInfo | undefined>;
  /** Names of the project's work-item types, for the error when one is unknown. */
  listWorkItemTypes(): Promise<string[]>;
  /** Ids of work items carrying `tag` (WIQL), oldest first. */
  findByTag(tag: string): Promise<number[]>;
  /** Creates the work item. Sent exactly once: the caller re-reads with {@link findByTag} after a failure. */
  create(draft: SignOffDraft): Promise<SignOffItem>;
  /** Rewrites title, description and tags of an existing request (a re-run refreshes the evidence). */
  update(id: number, draft: SignOffDraft): Promise<SignOffItem>;
  /** The work item, or undefined when it does not exist. */
  get(id: number): Promise<SignOffItem | undefined>;
  /** Every change of `System.State`, oldest first. */
  transitions(id: number): Promise<StateTransition[]>;
  /** Adds a discussion comment (HTML). */
  comment(id: number, html: string): Promise<void>;
}

/** Pull-request discussion threads. */
export interface PullRequestThreads {
  /** Starts an active thread with one comment (Markdown). */
  comment(repositoryId: string, pullRequestId: number, markdown: string): Promise<void>;
}

/** Who may approve: members of Azure DevOps groups. */
export interface ApproverDirectory {
  /**
   * Every user in the group, nested groups expanded; undefined when no group of that name exists.
   * `group` is as `approvers` lists it, e.g. `[Fabrikam]\Model Approvers`.
   */
  membersOf(group: string): Promise<Identity[] | undefined>;
}

/** Model-version tags in the registry (MLflow UC routes). */
export interface ModelVersionTags {
  /** The version's tags and its MLflow run, or undefined when the version does not exist. */
  describe(modelName: string, version: number): Promise<{ tags: Record<string, string>; runId?: string; experimentId?: string } | undefined>;
  setTag(modelName: string, version: number, key: string, value: string): Promise<void>;
}
