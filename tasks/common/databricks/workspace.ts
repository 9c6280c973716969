import type { ObjectInfo } from '@databricks/sdk-experimental/dist/apis/workspace/model';
import { ApiError } from '../http/errors';
import type { DatabricksApiClient } from './api-client';

/** Workspace API (`/api/2.0/workspace`): notebooks, files and folders of the workspace tree. */
export class WorkspaceClient {
  constructor(private readonly client: DatabricksApiClient) {}

  /** The workspace this client talks to, for messages. */
  get host(): string {
    return this.client.host;
  }

  /** `GET get-status`; undefined when nothing exists at `path`. */
  async getStatus(path: string, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    try {
      return await this.client.call<ObjectInfo>('GET', '/api/2.0/workspace/get-status', { query: { path }, signal });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.errorCode === 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw error;
    }
  }
}
