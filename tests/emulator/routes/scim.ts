/**
 * `GET /api/2.0/preview/scim/v2/Me`: who the caller is. The service connection's "Verify connection"
 * data source reads `$.userName` from it, and the Databricks CLI calls it first in `bundle validate`.
 * A service principal's `userName` is its application id, as in a real workspace.
 */
import { createHash } from 'node:crypto';
import type { User } from '@databricks/sdk-experimental/dist/apis/iam/model';
import { ok, type Route } from '../http-kit';
import type { EmulatorContext } from '../server';

/** A stable numeric-looking SCIM id for an identity. */
function scimId(identity: string): string {
  return String(BigInt(`0x${createHash('sha256').update(identity).digest('hex').slice(0, 13)}`));
}

export function scimRoutes(context: EmulatorContext): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/2\.0\/preview\/scim\/v2\/Me$/,
      auth: 'workspace',
      handle: (request) => {
        const identity = request.caller!.identity;
        const principal = context.state.servicePrincipals.get(identity);
        const user: User & { schemas: string[]; applicationId?: string } = {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          id: scimId(identity),
          userName: identity,
          displayName: principal?.displayName ?? identity,
          active: true,
          ...(principal ? { applicationId: principal.applicationId } : { emails: [{ value: identity, primary: true, type: 'work' }] }),
          groups: [{ display: 'users', value: scimId('group:users') }],
        };
        return ok(user);
      },
    },
  ];
}
