/**
 * Writes a model report for the pipeline run: checks it against the schema and for anything that
 * looks like a credential, then hands it to the agent as a timeline attachment the tab reads.
 */
import type { PipelineOutputs, TaskFiles } from '../task/task-context';
import { modelReportAttachmentType, type ModelReport } from './model-report';
import { validateModelReport } from './validate';

/** Thrown when a report would break the contract; a bug in the writer, never the user's input. */
export class ModelReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelReportError';
  }
}

// Shapes of credentials a report must never carry: Databricks PATs, JWTs (Entra and OIDC tokens),
// an Authorization value, and URLs with user info or a token-like query parameter.
const secretShapes: Array<[string, RegExp]> = [
  ['a Databricks token', /\bdapi[0-9a-f]{32}/i],
  ['a JSON web token', /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./],
  ['an Authorization value', /\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]{16,}/i],
  ['a URL with credentials', /^https?:\/\/[^/\s]*@/i],
  ['a URL with a token parameter', /[?&](?:access_token|token|sig|code|client_secret)=/i],
];

/** Paths of string values in `value` that look like credentials, with what they look like. */
export function findSecretLikeValues(value: unknown, path = ''): string[] {
  if (typeof value === 'string') {
    const found = secretShapes.find(([, pattern]) => pattern.test(value));
    return found ? [`${path || '(report)'} looks like ${found[0]}`] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findSecretLikeValues(item, `${path}/${index}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => findSecretLikeValues(item, `${path}/${key}`));
  }
  return [];
}

/** The report as JSON, after checking the schema and that no value looks like a credential. */
export function serializeModelReport(report: ModelReport): string {
  const errors = validateModelReport(report);
  if (errors.length > 0) throw new ModelReportError(`The ${report.kind} report does not match the model report schema: ${errors.join('; ')}`);
  const secrets = findSecretLikeValues(report);
  if (secrets.length > 0) throw new ModelReportError(`The ${report.kind} report was not attached: ${secrets.join('; ')}`);
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The attachment name: kind, model and version (a drift report without a model: its metrics
 * source, shortened), in characters safe in the attachment URL.
 */
export function modelReportName(report: ModelReport): string {
  const subject = report.model ? `${report.model.name}-v${report.model.version}` : (report.drift?.source ?? 'monitor').slice(0, 80);
  return `${report.kind}-${subject}.json`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Writes the report to the agent's temp folder and attaches it to the step's timeline record
 * (`##vso[task.addattachment type=databricks-mlops.model-report;name=...]`). Returns the attachment name.
 */
export function attachModelReport(agent: { outputs: Pick<PipelineOutputs, 'addAttachment'>; files: Pick<TaskFiles, 'writeTemp'> }, report: ModelReport): string {
  const text = serializeModelReport(report);
  const name = modelReportName(report);
  agent.outputs.addAttachment(modelReportAttachmentType, name, agent.files.writeTemp(name, text));
  return name;
}
