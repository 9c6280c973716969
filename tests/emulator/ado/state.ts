/**
 * The Azure DevOps emulator's mutable state: one organization and project with work-item types,
 * work items with their update history and comments, identities (users and groups with nested
 * membership) and pull-request threads. Tests seed it through {@link AdoScenario} and drive work
 * items as people would with {@link AdoState.changeState}.
 */

/** A user or group the emulator knows. */
export interface AdoScenarioIdentity {
  /** Unique name (`alice@contoso.com`) for users, `[Project]\Group` for groups. */
  name: string;
  displayName?: string;
  /** Group members by name (users or groups). Makes the identity a group. */
  members?: string[];
}

/** A change a person makes to a work item, applied just before the emulator answers a read of it. */
export interface ScriptedChange {
  /** Applied before the `afterReads`-th `GET` of the work item (1 = the first read). */
  afterReads: number;
  state: string;
  /** Unique name of who makes the change. */
  by: string;
}

/** What a test can seed. */
export interface AdoScenario {
  organization?: string;
  project?: string;
  /** Job access tokens accepted as `Bearer`. */
  systemAccessTokens?: string[];
  /** Work-item types and their states (first = initial state). Default: Task, Bug, User Story. */
  workItemTypes?: Record<string, string[]>;
  /** Area paths besides the project's root area. */
  areaPaths?: string[];
  identities?: AdoScenarioIdentity[];
  /** Who the job token acts as (revisedBy of the task's own writes). */
  buildServiceName?: string;
}

/** An identity as stored. */
export interface IdentityRecord {
  id: string;
  descriptor: string;
  subjectDescriptor: string;
  name: string;
  displayName: string;
  isContainer: boolean;
  /** Direct members' names. */
  members: string[];
}

/** One entry of a work item's history (`workItems/{id}/updates`). */
export interface UpdateRecord {
  id: number;
  rev: number;
  revisedBy: IdentityRecord;
  /** When the update was made (served as the previous update's `revisedDate`, see the updates route). */
  revisedDate: string;
  fields: Record<string, { oldValue?: unknown; newValue?: unknown }>;
  relations?: { added?: unknown[] };
}

/** A work item as stored. */
export interface WorkItemRecord {
  id: number;
  rev: number;
  type: string;
  fields: Record<string, unknown>;
  relations: Array<{ rel: string; url: string; attributes?: Record<string, unknown> }>;
  updates: UpdateRecord[];
  comments: Array<{ id: number; text: string; createdBy: IdentityRecord; createdDate: string }>;
  reads: number;
  script: ScriptedChange[];
}

/** A pull-request thread as stored. */
export interface ThreadRecord {
  id: number;
  repositoryId: string;
  pullRequestId: number;
  comments: Array<{ content: string; commentType?: unknown }>;
  status: unknown;
}

const defaultTypes: Record<string, string[]> = {
  Task: ['To Do', 'In Progress', 'Done', 'Removed'],
  Bug: ['New', 'Approved', 'Committed', 'Done', 'Removed'],
  'User Story': ['New', 'Active', 'Resolved', 'Closed', 'Removed'],
};

/** Deterministic GUID-shaped id from a counter, so logs are readable and stable. */
function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** The emulator's state; replaced on reset. */
export class AdoState {
  organization = 'org';
  project = 'Fabrikam';
  readonly systemAccessTokens = new Set<string>();
  workItemTypes = new Map<string, string[]>(Object.entries(defaultTypes));
  readonly areaPaths = new Set<string>();
  readonly identities = new Map<string, IdentityRecord>();
  readonly workItems = new Map<number, WorkItemRecord>();
  readonly threads: ThreadRecord[] = [];
  buildService: IdentityRecord;
  private nextWorkItemId = 1;
  private nextIdentity = 1;
  private nextScript: ScriptedChange[] = [];

  constructor(private readonly now: () => number) {
    this.buildService = this.addIdentity({ name: 'Build\\Fabrikam Build Service (org)', displayName: 'Fabrikam Build Service (org)' });
  }

  /** Adds what the scenario describes. */
  apply(scenario: AdoScenario): void {
    if (scenario.organization) this.organization = scenario.organization;
    if (scenario.project) this.project = scenario.project;
    for (const token of scenario.systemAccessTokens ?? []) this.systemAccessTokens.add(token);
    if (scenario.workItemTypes) this.workItemTypes = new Map(Object.entries(scenario.workItemTypes));
    for (const area of scenario.areaPaths ?? []) this.areaPaths.add(area);
    for (const identity of scenario.identities ?? []) this.addIdentity(identity);
    if (scenario.buildServiceName) this.buildService = this.addIdentity({ name: scenario.buildServiceName });
  }

  /** Adds (or replaces the members of) a user or group. */
  addIdentity(identity: AdoScenarioIdentity): IdentityRecord {
    const existing = this.identities.get(identity.name.toLowerCase());
    if (existing) {
      if (identity.members) existing.members = identity.members;
      return existing;
    }
    const n = this.nextIdentity++;
    const isContainer = identity.members !== undefined;
    const record: IdentityRecord = {
      id: guid(n),
      descriptor: isContainer ? `Microsoft.TeamFoundation.Identity;S-1-9-1551374245-${n}` : `Microsoft.IdentityModel.Claims.ClaimsIdentity;contoso\\${identity.name}`,
      subjectDescriptor: `${isContainer ? 'vssgp' : 'aad'}.${Buffer.from(guid(n)).toString('base64url')}`,
      name: identity.name,
      displayName: identity.displayName ?? identity.name.replace(/^\[[^\]]+\]\\/, ''),
      isContainer,
      members: identity.members ?? [],
    };
    this.identities.set(identity.name.toLowerCase(), record);
    return record;
  }

  /** The identity with this unique name, created as a user when unknown. */
  identity(name: string): IdentityRecord {
    return this.identities.get(name.toLowerCase()) ?? this.addIdentity({ name });
  }

  /** Every user in a group, nested groups expanded (cycles ignored). */
  expandMembers(group: IdentityRecord, seen = new Set<string>()): IdentityRecord[] {
    const users: IdentityRecord[] = [];
    for (const name of group.members) {
      const member = this.identities.get(name.toLowerCase());
      if (!member || seen.has(member.id)) continue;
      seen.add(member.id);
      if (member.isContainer) users.push(member, ...this.expandMembers(member, seen));
      else users.push(member);
    }
    return users;
  }

  /** Creates a work item as `by` (the job's identity unless given). */
  createWorkItem(type: string, fields: Record<string, unknown>, relations: WorkItemRecord['relations'], by: IdentityRecord = this.buildService): WorkItemRecord {
    const id = this.nextWorkItemId++;
    const when = new Date(this.now()).toISOString();
    const all: Record<string, unknown> = {
      'System.AreaPath': this.project,
      'System.IterationPath': this.project,
      ...fields,
      'System.TeamProject': this.project,
      'System.WorkItemType': type,
      'System.State': this.workItemTypes.get(type)![0],
      'System.Reason': 'New',
      'System.CreatedDate': when,
      'System.CreatedBy': identityRef(by),
      'System.ChangedDate': when,
      'System.ChangedBy': identityRef(by),
    };
    const record: WorkItemRecord = { id, rev: 1, type, fields: all, relations: [...relations], updates: [], comments: [], reads: 0, script: this.nextScript };
    this.nextScript = [];
    record.updates.push({
      id: 1,
      rev: 1,
      revisedBy: by,
      revisedDate: when,
      fields: Object.fromEntries(Object.entries(all).map(([name, value]) => [name, { newValue: value }])),
      ...(relations.length > 0 ? { relations: { added: relations } } : {}),
    });
    this.workItems.set(id, record);
    return record;
  }

  /** Changes fields as `by`, recording an update. */
  updateWorkItem(record: WorkItemRecord, fields: Record<string, unknown>, by: IdentityRecord = this.buildService): void {
    const when = new Date(Math.max(this.now(), Date.parse(String(record.fields['System.ChangedDate'])) + 1)).toISOString();
    const changed: UpdateRecord['fields'] = {};
    for (const [name, value] of Object.entries({ ...fields, 'System.ChangedDate': when, 'System.ChangedBy': identityRef(by) })) {
      if (JSON.stringify(record.fields[name]) === JSON.stringify(value)) continue;
      changed[name] = { oldValue: record.fields[name], newValue: value };
      record.fields[name] = value;
    }
    record.rev += 1;
    changed['System.Rev'] = { oldValue: record.rev - 1, newValue: record.rev };
    record.fields['System.Rev'] = record.rev;
    record.updates.push({ id: record.updates.length + 1, rev: record.rev, revisedBy: by, revisedDate: when, fields: changed });
  }

  /** A person moves the work item to `state` (what someone does on the board). */
  changeState(id: number, state: string, by: string): void {
    const record = this.workItems.get(id);
    if (!record) throw new Error(`No work item ${id}`);
    this.updateWorkItem(record, { 'System.State': state, 'System.Reason': `Moved to ${state}` }, this.identity(by));
  }

  /**
   * Queues changes a person makes while the task polls (see {@link ScriptedChange}); `afterReads`
   * counts from now. `'next'` scripts the next work item created (a request the task has yet to make).
   */
  script(id: number | 'next', changes: ScriptedChange[]): void {
    if (id === 'next') {
      this.nextScript.push(...changes);
      return;
    }
    const record = this.workItems.get(id);
    if (!record) throw new Error(`No work item ${id}`);
    record.script.push(...changes.map((change) => ({ ...change, afterReads: record.reads + change.afterReads })));
  }

  /** Applies due scripted changes; called on each read of the work item. */
  onRead(record: WorkItemRecord): void {
    record.reads += 1;
    for (const change of record.script.filter((c) => c.afterReads === record.reads)) this.changeState(record.id, change.state, change.by);
  }
}

/** An IdentityRef as work-item fields and updates carry it. */
export function identityRef(identity: IdentityRecord): Record<string, unknown> {
  return {
    displayName: identity.displayName,
    id: identity.id,
    uniqueName: identity.name,
    descriptor: identity.subjectDescriptor,
    imageUrl: `https://dev.azure.com/_apis/GraphProfile/MemberAvatars/${identity.subjectDescriptor}`,
  };
}
