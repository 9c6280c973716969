/**
 * Identities (`_apis/identities` on the vssps host: search by name with `queryMembership`, or read by
 * descriptors) and pull-request threads (`git/repositories/{repo}/pullRequests/{id}/threads`).
 */
import { ok, jsonBody, type Route } from '../../http-kit';
import type { AdoEmulatorContext } from '../server';
import type { IdentityRecord } from '../state';
import { adoError, checkOrganization, checkProject } from './errors';

export function identityAndGitRoutes(context: AdoEmulatorContext): Route[] {

  function identityJson(identity: IdentityRecord, membership: string): Record<string, unknown> {
    const members =
      membership === 'expanded' ? context.state.expandMembers(identity) : membership === 'direct' ? identity.members.map((name) => context.state.identities.get(name.toLowerCase())).filter((m): m is IdentityRecord => !!m) : undefined;
    return {
      id: identity.id,
      descriptor: identity.descriptor,
      subjectDescriptor: identity.subjectDescriptor,
      providerDisplayName: identity.isContainer ? identity.name : identity.displayName,
      customDisplayName: null,
      isActive: true,
      isContainer: identity.isContainer,
      members: members ? members.map((member) => member.descriptor) : [],
      memberOf: [],
      memberIds: members ? members.map((member) => member.id) : [],
      properties: {
        SchemaClassName: { $type: 'System.String', $value: identity.isContainer ? 'Group' : 'User' },
        Account: { $type: 'System.String', $value: identity.isContainer ? identity.displayName : identity.name },
        ...(identity.isContainer ? {} : { Mail: { $type: 'System.String', $value: identity.name } }),
      },
      resourceVersion: 2,
      metaTypeId: identity.isContainer ? 255 : 0,
    };
  }

  return [
    {
      method: 'GET',
      pattern: /^\/vssps\/(?<org>[^/]+)\/_apis\/identities\/?$/i,
      auth: 'ado',
      handle: (request) => {
        checkOrganization(context, request);
        const membership = (request.query.get('queryMembership') ?? 'None').toLowerCase();
        const descriptors = request.query.get('descriptors');
        const filter = request.query.get('searchFilter');
        let found: IdentityRecord[];
        if (descriptors) {
          const wanted = descriptors.split(',');
          found = [...context.state.identities.values()].filter((identity) => wanted.includes(identity.descriptor));
        } else if (filter) {
          const value = (request.query.get('filterValue') ?? '').toLowerCase();
          if (!['general', 'accountname', 'displayname', 'mailaddress', 'localgroupname'].includes(filter.toLowerCase())) {
            throw adoError(400, 'ArgumentException', `Invalid searchFilter '${filter}'.`);
          }
          found = [...context.state.identities.values()].filter((identity) => identity.name.toLowerCase() === value || identity.displayName.toLowerCase() === value);
        } else {
          throw adoError(400, 'ArgumentException', 'One of descriptors, subjectDescriptors, identityIds or searchFilter must be given.');
        }
        return ok({ count: found.length, value: found.map((identity) => identityJson(identity, membership)) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/ado\/(?<org>[^/]+)\/(?<project>[^/_][^/]*)\/_apis\/git\/repositories\/(?<repo>[^/]+)\/pullRequests\/(?<pr>\d+)\/threads\/?$/i,
      auth: 'ado',
      handle: (request) => {
        checkProject(context, request);
        const body = jsonBody<{ comments?: Array<{ content: string; commentType?: unknown }>; status?: unknown }>(request);
        if (!body.comments?.length) throw adoError(400, 'InvalidArgumentValueException', 'The thread must have at least one comment.');
        const thread = { id: context.state.threads.length + 1, repositoryId: request.params.repo, pullRequestId: Number(request.params.pr), comments: body.comments, status: body.status ?? 'active' };
        context.state.threads.push(thread);
        return ok({ id: thread.id, publishedDate: new Date(context.now()).toISOString(), comments: thread.comments.map((comment, index) => ({ id: index + 1, ...comment })), status: 'active' });
      },
    },
  ];
}
