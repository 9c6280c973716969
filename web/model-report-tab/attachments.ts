/** Lists and reads the run's model reports: the timeline attachments of our type. */
import { readReport, type ReadReport, type ReportValidator } from './read-report';

/** An attachment as the Build API lists it: a name and the `self` link holding the timeline and record ids. */
export interface ListedAttachment {
  name: string;
  _links?: { self?: { href?: string } };
}

/** The Build REST calls the tab makes (BuildRestClient in the browser, a fake in tests). */
export interface AttachmentApi {
  getAttachments(project: string, buildId: number, type: string): Promise<ListedAttachment[]>;
  getAttachment(project: string, buildId: number, timelineId: string, recordId: string, type: string, name: string): Promise<ArrayBuffer>;
}

/** The most reports one tab reads, and the largest one, so a run full of attachments cannot hang the page. */
export const limits = { attachments: 100, bytes: 2 * 1024 * 1024 };

/**
 * The timeline and record ids from an attachment's self link:
 * `.../_apis/build/builds/{buildId}/{timelineId}/{recordId}/attachments/{type}/{name}`.
 */
export function attachmentLocation(href: string | undefined): { timelineId: string; recordId: string } | undefined {
  const match = href ? /\/builds\/\d+\/([0-9a-fA-F-]{36})\/([0-9a-fA-F-]{36})\/attachments\//.exec(href) : null;
  return match ? { timelineId: match[1], recordId: match[2] } : undefined;
}

/** Reads every model report of the build; a report that cannot be read becomes an `invalid` entry. */
export async function loadReports(api: AttachmentApi, project: string, buildId: number, type: string, validate: ReportValidator): Promise<ReadReport[]> {
  const listed = (await api.getAttachments(project, buildId, type)).slice(0, limits.attachments);
  const decoder = new TextDecoder('utf-8');
  return Promise.all(
    listed.map(async (attachment): Promise<ReadReport> => {
      const location = attachmentLocation(attachment._links?.self?.href);
      if (!location) return { status: 'invalid', name: attachment.name, problems: ['the attachment has no timeline record link'] };
      try {
        const bytes = await api.getAttachment(project, buildId, location.timelineId, location.recordId, type, attachment.name);
        if (bytes.byteLength > limits.bytes) return { status: 'invalid', name: attachment.name, problems: [`larger than ${limits.bytes} bytes`] };
        return readReport(attachment.name, decoder.decode(bytes), validate);
      } catch (error) {
        return { status: 'invalid', name: attachment.name, problems: [`could not be downloaded: ${(error as Error).message}`] };
      }
    }),
  );
}
