/** Small helpers the report builders share: the schema's text limits and its time format. */
import type { ModelReport } from './model-report';

/** The schema's limit on free text (`definitions/text`). */
export const textLimit = 2000;
/** The schema's limit on names (`definitions/name`). */
export const nameLimit = 200;

/**
 * `text` cut to `limit` characters with an ellipsis: text from outside (Databricks messages, tag
 * values, answers) can be longer than the schema allows, and a report must never fail the step over it.
 */
export function clip(text: string, limit = textLimit): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** An epoch-milliseconds or ISO 8601 time as the schema's UTC form (`2026-12-05T17:00:00.000Z`). */
export function reportTime(value: number | string | Date): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new RangeError(`Not a time: '${String(value)}'`);
  return time.toISOString();
}

/** The fields every report starts with. */
export function reportHeader(kind: ModelReport['kind'], context: { task: string; extensionVersion?: string; now: number }): Pick<ModelReport, 'schemaVersion' | 'kind' | 'createdAt' | 'producer'> {
  return {
    schemaVersion: 1,
    kind,
    createdAt: reportTime(context.now),
    producer: { task: context.task, ...(context.extensionVersion ? { extensionVersion: context.extensionVersion } : {}) },
  };
}
