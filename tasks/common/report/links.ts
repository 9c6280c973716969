/** Links to where a report's evidence lives: Databricks pages, the audit row, the pipeline run. */
import type { AuditOutcome } from '../audit/audit-record';
import type { PipelineRun } from '../task/pipeline-run';
import type { ReportLink } from './model-report';

function base(host: string): string {
  return host.replace(/\/+$/, '');
}

/** The Catalog Explorer page of a model version. */
export function modelVersionLink(host: string, modelName: string, version: number, role: string): ReportLink {
  const path = modelName.split('.').map(encodeURIComponent).join('/');
  return { kind: 'modelVersion', label: `${modelName} version ${version} (${role})`, url: `${base(host)}/explore/data/models/${path}/version/${version}` };
}

/** The MLflow run page; the workspace resolves the experiment from the run id. */
export function mlflowRunLink(host: string, runId: string, role: string): ReportLink {
  return { kind: 'mlflowRun', label: `MLflow run of the ${role}`, url: `${base(host)}/#mlflow/runs/${encodeURIComponent(runId)}`, detail: runId };
}

/** The audit row a decision wrote (a table row has no page: the table and statement name it). */
export function auditRowLink(audit: AuditOutcome | undefined): ReportLink[] {
  if (!audit || audit.status === 'disabled') return [];
  return audit.status === 'written'
    ? [{ kind: 'auditRow', label: `Audit row in ${audit.table}`, detail: `statement ${audit.statementId}` }]
    : [{ kind: 'auditRow', label: `Audit row in ${audit.table} (not written)`, detail: audit.warning }];
}

/** The pipeline run the report belongs to, when the agent told us. */
export function pipelineRunLink(run: PipelineRun): ReportLink[] {
  return run.url ? [{ kind: 'pipelineRun', label: 'Pipeline run', url: run.url }] : [];
}
