/** Azure DevOps error bodies (`{$id, innerException, message, typeName, typeKey, errorCode, eventId}`). */
import { EmulatorApiError, type EmulatorRequest } from '../../http-kit';
import type { AdoEmulatorContext } from '../server';

/** The error body Azure DevOps sends with a 4xx/5xx. */
export function adoErrorBody(typeKey: string, message: string): Record<string, unknown> {
  return { $id: '1', innerException: null, message, typeName: `Microsoft.VisualStudio.Services.WebApi.${typeKey}, Microsoft.VisualStudio.Services.WebApi`, typeKey, errorCode: 0, eventId: 3000 };
}

/** An error reply in the Azure DevOps shape. */
export function adoError(status: number, typeKey: string, message: string): EmulatorApiError {
  return new EmulatorApiError(status, typeKey, message, adoErrorBody(typeKey, message));
}

/** 404 for another organization in the path. */
export function checkOrganization(context: AdoEmulatorContext, request: EmulatorRequest): void {
  if (request.params.org !== context.state.organization) throw adoError(404, 'OrganizationNotFoundException', `TF400898: Organization '${request.params.org}' not found.`);
}

/** 404 for another project (name or id) in the path. */
export function checkProject(context: AdoEmulatorContext, request: EmulatorRequest): void {
  checkOrganization(context, request);
  if (decodeURIComponent(request.params.project ?? '') !== context.state.project) {
    throw adoError(404, 'ProjectDoesNotExistWithNameException', `TF200016: The following project does not exist: ${decodeURIComponent(request.params.project ?? '')}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`);
  }
}
