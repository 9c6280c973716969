/**
 * Azure Boards work items (REST 7.1): types, create and update with JSON Patch
 * (`application/json-patch+json`), get, updates (the history with `revisedBy`), WIQL and comments.
 * Rule errors come as 400 with the TF codes the service uses.
 */
import { ok, jsonBody, type EmulatorRequest, type Reply, type Route } from '../../http-kit';
import type { AdoEmulatorContext } from '../server';
import { identityRef, type UpdateRecord, type WorkItemRecord } from '../state';
import { adoError, checkProject } from './errors';

interface PatchOperation {
  op?: string;
  path?: string;
  value?: unknown;
}

const prefix = '^\\/ado\\/(?<org>[^/]+)\\/(?<project>[^/_][^/]*)';
const route = (tail: string): RegExp => new RegExp(`${prefix}${tail}$`, 'i');

export function workItemRoutes(context: AdoEmulatorContext): Route[] {
  const base = (): string => `${context.collectionUri}${encodeURIComponent(context.state.project)}`;

  function itemJson(record: WorkItemRecord): Record<string, unknown> {
    const url = `${base()}/_apis/wit/workItems/${record.id}`;
    return {
      id: record.id,
      rev: record.rev,
      fields: { ...record.fields, 'System.Id': record.id, 'System.Rev': record.rev },
      ...(record.relations.length > 0 ? { relations: record.relations } : {}),
      _links: {
        self: { href: url },
        workItemUpdates: { href: `${url}/updates` },
        workItemType: { href: `${base()}/_apis/wit/workItemTypes/${encodeURIComponent(record.type)}` },
        html: { href: `${base()}/_workitems/edit/${record.id}` },
      },
      url,
    };
  }

  function typeJson(name: string, states: string[]): Record<string, unknown> {
    return {
      name,
      referenceName: `Microsoft.VSTS.WorkItemTypes.${name.replace(/\s/g, '')}`,
      description: `${name} work item type`,
      color: 'F2CB1D',
      isDisabled: false,
      states: states.map((stateName, index) => ({ name: stateName, color: 'b2b2b2', category: index === 0 ? 'Proposed' : stateName === 'Removed' ? 'Removed' : 'InProgress' })),
      url: `${base()}/_apis/wit/workItemTypes/${encodeURIComponent(name)}`,
    };
  }

  function requirePatch(request: EmulatorRequest): PatchOperation[] {
    const type = request.headers['content-type'] ?? '';
    if (!type.includes('application/json-patch+json')) {
      throw adoError(415, 'UnsupportedMediaTypeException', `The request indicated a Content-Type of "${type}" for method type "${request.method}" which is not supported. Valid content types for this method are: application/json-patch+json.`);
    }
    const body = jsonBody<unknown>(request);
    if (!Array.isArray(body)) throw adoError(400, 'VssPropertyValidationException', 'You must pass a valid patch document in the body of the request.');
    return body as PatchOperation[];
  }

  /** Applies a patch document to fields and relations; throws the service's rule errors. */
  function applyPatch(type: string, operations: PatchOperation[], current: Record<string, unknown>): { fields: Record<string, unknown>; relations: WorkItemRecord['relations'] } {
    const fields: Record<string, unknown> = {};
    const relations: WorkItemRecord['relations'] = [];
    for (const operation of operations) {
      const op = String(operation.op ?? '').toLowerCase();
      if (!['add', 'replace', 'remove', 'test'].includes(op)) throw adoError(400, 'JsonPatchException', `Operation '${String(operation.op)}' is not supported.`);
      if (operation.path === '/relations/-' && op === 'add') {
        const relation = operation.value as WorkItemRecord['relations'][number];
        if (relation?.rel === 'ArtifactLink' && !/^vstfs:\/\/\/Build\/Build\/\d+$/.test(relation.url)) {
          throw adoError(400, 'WorkItemLinkInvalidArtifactException', `TF237076: The artifact link '${relation.url}' is not valid.`);
        }
        relations.push(relation);
        continue;
      }
      const match = /^\/fields\/(.+)$/.exec(operation.path ?? '');
      if (!match) throw adoError(400, 'JsonPatchException', `The path '${String(operation.path)}' is not valid.`);
      if (op === 'test') continue;
      fields[match[1]] = op === 'remove' ? undefined : operation.value;
    }
    const title = fields['System.Title'] ?? current['System.Title'];
    if (typeof title !== 'string' || title.trim() === '') throw adoError(400, 'RuleValidationException', 'TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty.');
    const area = fields['System.AreaPath'];
    if (area !== undefined && area !== context.state.project && !context.state.areaPaths.has(String(area))) {
      throw adoError(400, 'WorkItemFieldInvalidTreeNameException', `TF401347: Invalid tree name given for work item -1, field 'System.AreaPath'.`);
    }
    const newState = fields['System.State'];
    if (newState !== undefined && !context.state.workItemTypes.get(type)!.includes(String(newState))) {
      throw adoError(400, 'RuleValidationException', `TF401320: Rule Error for field State. Error code: Required, HasValues, LimitedToValues, AllowsOldValue, InvalidEmpty.`);
    }
    if (typeof fields['System.AssignedTo'] === 'string') fields['System.AssignedTo'] = identityRef(context.state.identity(String(fields['System.AssignedTo'])));
    return { fields, relations };
  }

  function findItem(request: EmulatorRequest, idParam = 'id'): WorkItemRecord {
    checkProject(context, request);
    const id = Number(request.params[idParam]);
    const record = context.state.workItems.get(id);
    if (!record) throw adoError(404, 'WorkItemUnauthorizedAccessException', `TF401232: Work item ${request.params[idParam]} does not exist, or you do not have permissions to read it.`);
    return record;
  }

  function updateJson(record: WorkItemRecord, update: UpdateRecord): Record<string, unknown> {
    // As the service does: `revisedDate` is when this revision was superseded (the next update's
    // change date), and 9999-01-01 for the current one; when it was made is System.ChangedDate.
    const next = record.updates.find((other) => other.id === update.id + 1);
    return {
      id: update.id,
      workItemId: record.id,
      rev: update.rev,
      revisedBy: identityRef(update.revisedBy),
      revisedDate: next ? next.revisedDate : '9999-01-01T00:00:00Z',
      fields: update.fields,
      ...(update.relations ? { relations: update.relations } : {}),
      url: `${base()}/_apis/wit/workItems/${record.id}/updates/${update.id}`,
    };
  }

  /** `[System.Tags] CONTAINS '<tag>'` conditions; tags match whole, case-insensitively. */
  function wiql(request: EmulatorRequest): Reply {
    checkProject(context, request);
    const { query } = jsonBody<{ query?: string }>(request);
    if (!query || !/^\s*SELECT\s/i.test(query) || !/\sFROM\s+WorkItems\b/i.test(query)) {
      throw adoError(400, 'WiqlSyntaxException', 'TF51006: The query statement is missing a FROM clause.');
    }
    const tags = [...query.matchAll(/\[System\.Tags\]\s+CONTAINS\s+'((?:[^']|'')*)'/gi)].map((match) => match[1].replace(/''/g, "'").toLowerCase());
    const ids = [...context.state.workItems.values()]
      .filter((record) => {
        const own = String(record.fields['System.Tags'] ?? '').split(';').map((tag) => tag.trim().toLowerCase());
        return tags.every((tag) => own.includes(tag));
      })
      .map((record) => record.id)
      .sort((a, b) => a - b);
    return ok({
      queryType: 'flat',
      queryResultType: 'workItem',
      asOf: new Date(context.now()).toISOString(),
      columns: [{ referenceName: 'System.Id', name: 'ID', url: `${context.collectionUri}_apis/wit/fields/System.Id` }],
      sortColumns: [{ field: { referenceName: 'System.Id', name: 'ID' }, descending: false }],
      workItems: ids.map((id) => ({ id, url: `${base()}/_apis/wit/workItems/${id}` })),
    });
  }

  return [
    {
      method: 'GET',
      pattern: route('\\/_apis\\/wit\\/workItemTypes'),
      auth: 'ado',
      handle: (request) => {
        checkProject(context, request);
        const value = [...context.state.workItemTypes].map(([name, states]) => typeJson(name, states));
        return ok({ count: value.length, value });
      },
    },
    {
      method: 'GET',
      pattern: route('\\/_apis\\/wit\\/workItemTypes\\/(?<type>[^/]+)'),
      auth: 'ado',
      handle: (request) => {
        checkProject(context, request);
        const name = decodeURIComponent(request.params.type);
        const found = [...context.state.workItemTypes].find(([typeName]) => typeName.toLowerCase() === name.toLowerCase());
        if (!found) throw adoError(404, 'WorkItemTypeNotFoundException', `TF401326: Invalid work item type name '${name}'.`);
        return ok(typeJson(found[0], found[1]));
      },
    },
    {
      method: 'POST',
      pattern: route('\\/_apis\\/wit\\/workItems\\/\\$(?<type>[^/]+)'),
      auth: 'ado',
      handle: (request) => {
        checkProject(context, request);
        const name = decodeURIComponent(request.params.type);
        const type = [...context.state.workItemTypes.keys()].find((typeName) => typeName.toLowerCase() === name.toLowerCase());
        if (!type) throw adoError(404, 'WorkItemTypeNotFoundException', `TF401326: Invalid work item type name '${name}'.`);
        const { fields, relations } = applyPatch(type, requirePatch(request), {});
        return ok(itemJson(context.state.createWorkItem(type, fields, relations)));
      },
    },
    {
      method: 'GET',
      pattern: route('\\/_apis\\/wit\\/workItems\\/(?<id>\\d+)'),
      auth: 'ado',
      handle: (request) => {
        const record = findItem(request);
        context.state.onRead(record);
        return ok(itemJson(record));
      },
    },
    {
      method: 'PATCH',
      pattern: route('\\/_apis\\/wit\\/workItems\\/(?<id>\\d+)'),
      auth: 'ado',
      handle: (request) => {
        const record = findItem(request);
        const { fields, relations } = applyPatch(record.type, requirePatch(request), record.fields);
        record.relations.push(...relations);
        context.state.updateWorkItem(record, fields);
        return ok(itemJson(record));
      },
    },
    {
      method: 'GET',
      pattern: route('\\/_apis\\/wit\\/workItems\\/(?<id>\\d+)\\/updates'),
      auth: 'ado',
      handle: (request) => {
        const record = findItem(request);
        const skip = Number(request.query.get('$skip') ?? 0);
        const top = Math.min(Number(request.query.get('$top') ?? 200), 200);
        const value = record.updates.slice(skip, skip + top).map((update) => updateJson(record, update));
        return ok({ count: value.length, value });
      },
    },
    { method: 'POST', pattern: route('(?:\\/[^/]+)?\\/_apis\\/wit\\/wiql'), auth: 'ado', handle: wiql },
    {
      method: 'POST',
      pattern: route('\\/_apis\\/wit\\/workItems\\/(?<id>\\d+)\\/comments'),
      auth: 'ado',
      handle: (request) => {
        const record = findItem(request);
        const { text } = jsonBody<{ text?: string }>(request);
        if (!text) throw adoError(400, 'ArgumentNullException', 'Value cannot be null.\r\nParameter name: text');
        const created = { id: record.comments.length + 1, text, createdBy: context.state.buildService, createdDate: new Date(context.now()).toISOString() };
        record.comments.push(created);
        return ok({
          workItemId: record.id,
          id: created.id,
          version: 1,
          text,
          createdBy: identityRef(created.createdBy),
          createdDate: created.createdDate,
          modifiedBy: identityRef(created.createdBy),
          modifiedDate: created.createdDate,
          url: `${base()}/_apis/wit/workItems/${record.id}/comments/${created.id}`,
        });
      },
    },
  ];
}
