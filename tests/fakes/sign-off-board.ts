/** In-memory sign-off ports with a call log, and people who act on the board between polls. */
import type { ApproverDirectory, Identity, SignOffBoard, SignOffDraft, SignOffItem, StateTransition, WorkItemTypeInfo } from '../../tasks/common/signoff/ports';

interface FakeItem {
  item: SignOffItem;
  draft: SignOffDraft;
  transitions: StateTransition[];
  comments: string[];
}

/** A board whose items change when `onRead` scripts say so. */
export class FakeBoard implements SignOffBoard {
  readonly items = new Map<number, FakeItem>();
  readonly log: string[] = [];
  types: Record<string, string[]> = { Task: ['To Do', 'Doing', 'Done', 'Removed'] };
  /** Errors thrown by the next create calls (after or instead of creating, see `createdBeforeError`). */
  createErrors: Error[] = [];
  createdBeforeError = false;
  private reads = 0;
  private script: Array<{ afterReads: number; to: string; by: Identity }> = [];
  private nextId = 100;
  private updateNumber = 1;

  /** A person moves the item on the `afterReads`-th `get` from now. */
  act(afterReads: number, to: string, by: Identity): this {
    this.script.push({ afterReads: this.reads + afterReads, to, by });
    return this;
  }

  /** Moves an item right away. */
  move(id: number, to: string, by: Identity): void {
    const entry = this.items.get(id)!;
    entry.transitions.push({ update: ++this.updateNumber, from: entry.item.state, to, by, at: new Date(Date.UTC(2026, 10, 28, 5, 0, this.updateNumber)).toISOString() });
    entry.item.state = to;
  }

  getWorkItemType(name: string): Promise<WorkItemTypeInfo | undefined> {
    this.log.push(`type ${name}`);
    const states = this.types[name];
    return Promise.resolve(states ? { name, states } : undefined);
  }

  listWorkItemTypes(): Promise<string[]> {
    return Promise.resolve(Object.keys(this.types));
  }

  findByTag(tag: string): Promise<number[]> {
    this.log.push(`find ${tag}`);
    return Promise.resolve([...this.items.values()].filter((entry) => entry.item.tags.includes(tag)).map((entry) => entry.item.id));
  }

  create(draft: SignOffDraft): Promise<SignOffItem> {
    this.log.push(`create ${draft.workItemType}`);
    const error = this.createErrors.shift();
    if (error && !this.createdBeforeError) return Promise.reject(error);
    const id = this.nextId++;
    const item: SignOffItem = { id, state: this.types[draft.workItemType][0], tags: [...draft.tags], url: `https://boards/${id}` };
    this.items.set(id, { item, draft, transitions: [], comments: [] });
    return error ? Promise.reject(error) : Promise.resolve({ ...item });
  }

  update(id: number, draft: SignOffDraft): Promise<SignOffItem> {
    this.log.push(`update ${id}`);
    const entry = this.items.get(id)!;
    entry.draft = draft;
    return Promise.resolve({ ...entry.item });
  }

  get(id: number): Promise<SignOffItem | undefined> {
    this.log.push(`get ${id}`);
    this.reads += 1;
    for (const change of this.script.filter((c) => c.afterReads === this.reads)) this.move(id, change.to, change.by);
    const entry = this.items.get(id);
    return Promise.resolve(entry ? { ...entry.item } : undefined);
  }

  transitions(id: number): Promise<StateTransition[]> {
    return Promise.resolve([...(this.items.get(id)?.transitions ?? [])]);
  }

  comment(id: number, html: string): Promise<void> {
    this.log.push(`comment ${id}`);
    this.items.get(id)!.comments.push(html);
    return Promise.resolve();
  }
}

/** Groups by name. */
export class FakeDirectory implements ApproverDirectory {
  readonly lookups: string[] = [];

  constructor(private readonly groups: Record<string, string[]> = {}) {}

  membersOf(group: string): Promise<Identity[] | undefined> {
    this.lookups.push(group);
    const members = this.groups[group];
    return Promise.resolve(members?.map((uniqueName) => ({ uniqueName })));
  }
}
