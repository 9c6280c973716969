/** Turns an attachment's bytes into a report the tab can draw, or a reason it cannot. */
import { describeSchemaErrors, modelReportSchemaVersion, reportSchemaVersion, type ModelReport, type SchemaErrorLike } from '../../tasks/common/report/model-report';

/** A schema validator: the precompiled one in the browser, Ajv in tests. */
export interface ReportValidator {
  (value: unknown): boolean;
  errors?: readonly SchemaErrorLike[] | null;
}

/** One attachment, read. */
export type ReadReport =
  | { status: 'ok'; name: string; report: ModelReport }
  | { status: 'newer'; name: string; version: number }
  | { status: 'invalid'; name: string; problems: string[] };

/** Parses and checks one attachment; never throws, so one bad report does not hide the others. */
export function readReport(name: string, text: string, validate: ReportValidator): ReadReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { status: 'invalid', name, problems: [`not JSON: ${(error as Error).message}`] };
  }
  const version = reportSchemaVersion(value);
  if (version === undefined) return { status: 'invalid', name, problems: ['no schemaVersion: this is not a model report'] };
  if (version > modelReportSchemaVersion) return { status: 'newer', name, version };
  if (!validate(value)) return { status: 'invalid', name, problems: describeSchemaErrors(validate.errors ?? []) };
  return { status: 'ok', name, report: value as ModelReport };
}
