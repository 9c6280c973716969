/**
 * What azure-devops-node-api asks before any real call: the resource areas (`GET _apis/ResourceAreas`,
 * itself found through `OPTIONS _apis/Location`) and, per area, the location list (`OPTIONS
 * _apis/<area>`) from which it fills route templates and negotiates the api-version.
 */
import { ok, type Route } from '../../http-kit';
import type { AdoEmulatorContext } from '../server';
import { checkOrganization } from './errors';

/** One entry of an area's location list, as `OPTIONS _apis/<area>` returns it. */
export interface LocationDescriptor {
  id: string;
  area: string;
  resourceName: string;
  routeTemplate: string;
  resourceVersion: number;
  minVersion: string;
  maxVersion: string;
  releasedVersion: string;
}

function location(id: string, area: string, resourceName: string, routeTemplate: string, resourceVersion: number): LocationDescriptor {
  return { id, area, resourceName, routeTemplate, resourceVersion, minVersion: '1.0', maxVersion: '7.2', releasedVersion: '7.1' };
}

/** The locations served, by area (ids and templates as the service publishes them). */
export const adoLocations: Record<string, LocationDescriptor[]> = {
  location: [location('e81700f7-3be2-46de-8624-2eb35882fcaa', 'Location', 'ResourceAreas', '_apis/{resource}/{areaId}', 1)],
  wit: [
    location('62d3d110-0047-428c-ad3c-4fe872c91c74', 'wit', 'workItems', '{project}/_apis/{area}/{resource}/${type}', 3),
    location('72c7ddf8-2cdc-4f60-90cd-ab71c14a399b', 'wit', 'workItems', '{project}/_apis/{area}/{resource}/{id}', 3),
    location('6570bf97-d02c-4a91-8d93-3abe9895b1a9', 'wit', 'updates', '{project}/_apis/{area}/workItems/{id}/{resource}/{updateNumber}', 3),
    location('1a9c53f7-f243-4447-b110-35ef023636e4', 'wit', 'wiql', '{project}/{team}/_apis/{area}/{resource}/{id}', 2),
    location('608aac0a-32e1-4493-a863-b9cf4566d257', 'wit', 'comments', '{project}/_apis/{area}/workItems/{workItemId}/{resource}/{commentId}', 4),
    location('7c8d7a76-4a09-43e8-b5df-bd792f4ac6aa', 'wit', 'workItemTypes', '{project}/_apis/{area}/{resource}/{type}', 2),
  ],
  git: [location('ab6e2e5d-a0b7-4153-b64a-a4efe0d49449', 'git', 'threads', '{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}/{resource}/{threadId}', 1)],
};

/** Resource-area ids: work-item tracking, Git, identities (IMS). */
export const adoAreaIds = {
  wit: '5264459e-e5e0-4bd8-b118-0985e68a4ec5',
  git: '4e080c62-fa21-4fbc-8fef-2a10a2b38049',
  ims: '8a3d49b8-91f0-46ef-b33d-dda338c25db3',
} as const;

export function discoveryRoutes(context: AdoEmulatorContext): Route[] {
  const optionsRoute = (pattern: RegExp, area: string): Route => ({
    method: 'OPTIONS',
    pattern,
    auth: 'ado',
    handle: (request) => {
      checkOrganization(context, request);
      return ok({ count: adoLocations[area].length, value: adoLocations[area] });
    },
  });
  return [
    optionsRoute(/^\/ado\/(?<org>[^/]+)\/_apis\/Location\/?$/i, 'location'),
    optionsRoute(/^\/ado\/(?<org>[^/]+)\/_apis\/wit\/?$/i, 'wit'),
    optionsRoute(/^\/ado\/(?<org>[^/]+)\/_apis\/git\/?$/i, 'git'),
    {
      method: 'GET',
      pattern: /^\/ado\/(?<org>[^/]+)\/_apis\/ResourceAreas\/?$/i,
      auth: 'ado',
      handle: (request) => {
        checkOrganization(context, request);
        const org = context.state.organization;
        // As in Azure DevOps Services: identities live on another host (vssps), the rest on the collection.
        const areas = [
          { id: adoAreaIds.wit, name: 'wit', locationUrl: context.collectionUri },
          { id: adoAreaIds.git, name: 'git', locationUrl: context.collectionUri },
          { id: adoAreaIds.ims, name: 'IMS', locationUrl: `${context.url}/vssps/${org}/` },
        ];
        return ok({ count: areas.length, value: areas });
      },
    },
  ];
}
