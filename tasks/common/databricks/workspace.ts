import type { ObjectInfo } from '@databricks/sdk-experimental/dist/apis/workspace/model';
import { isNotFound } from './not-found';
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
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
