/** The model report of DatabricksServingRollout@1: traffic before → after, smoke test, state. */
import type { AuditOutcome } from '../audit/audit-record';
import type { PipelineRun } from '../task/pipeline-run';
import type { EndpointCoreConfigInput } from '../databricks/serving';
import type { RolloutReport } from '../serving/rollout';
import { trafficOf } from '../serving/traffic-plan';
import { auditRowLink, modelVersionLink, pipelineRunLink } from './links';
import type { ModelReport, ReportLink, ServingSection, TrafficSplit } from './model-report';
import { clip, nameLimit, reportHeader } from './report-text';

/** What the serving report needs besides the rollout's own report. */
export interface ServingReportInput {
  /** The workspace URL, for links. */
  host: string;
  task: string;
  extensionVersion?: string;
  pipelineRun: PipelineRun;
  audit?: AuditOutcome;
  /** Epoch milliseconds. */
  now: number;
}

function versionNumber(value: string | undefined): number | undefined {
  const version = Number(value);
  return value !== undefined && Number.isInteger(version) && version >= 1 ? version : undefined;
}

/** Each served entity's share of the endpoint's traffic, in the endpoint's order. */
export function trafficSplit(config: EndpointCoreConfigInput | undefined): TrafficSplit {
  if (!config) return [];
  return (config.served_entities ?? []).slice(0, 20).map((entity) => {
    const version = versionNumber(entity.entity_version);
    return {
      servedModel: clip(entity.name ?? entity.entity_name ?? '(unnamed)', nameLimit),
      ...(version !== undefined ? { modelVersion: version } : {}),
      percent: Math.min(100, Math.max(0, trafficOf(config, entity.name))),
    };
  });
}

const summaries: Record<RolloutReport['outcome'], (r: RolloutReport) => string> = {
  served: (r) => `Endpoint '${r.endpointName}' serves version ${r.version} (${r.strategy})${r.previousVersion ? `, after version ${r.previousVersion}` : ''}`,
  unchanged: (r) => `Endpoint '${r.endpointName}' already served version ${r.version} this way: nothing was sent`,
  'update-failed': (r) => `The update of endpoint '${r.endpointName}' failed${r.failure ? `: ${r.failure.message}` : ''}; the previous configuration keeps serving`,
  'smoke-test-failed': (r) => `The smoke test of version ${r.version} failed${r.rollback ? (r.rollback.done ? '; rolled back' : '; not rolled back') : ''}`,
  'timed-out': (r) => `Timed out waiting for endpoint '${r.endpointName}' (${r.finalState ?? 'state unknown'})`,
};

function servingSection(report: RolloutReport): ServingSection {
  const smoke = report.smokeTest;
  return {
    endpoint: clip(report.endpointName, nameLimit),
    strategy: report.strategy,
    ...(report.finalState ? { state: clip(report.finalState) } : {}),
    ...(report.rollback ? { rollback: { done: report.rollback.done, detail: clip(report.rollback.detail) } } : {}),
    before: trafficSplit(report.before),
    after: trafficSplit(report.after),
    ...(smoke
      ? { smokeTest: { status: smoke.passed ? 'passed' : 'failed', detail: clip(`${smoke.target}: HTTP ${smoke.status}, ${smoke.detail}`) } }
      : {}),
  };
}

/** The endpoint's page in the workspace (the invocation URL answers only POSTs). */
export function servingEndpointLink(host: string, endpoint: string): ReportLink {
  return { kind: 'servingEndpoint', label: `Serving endpoint ${clip(endpoint, 150)}`, url: `${host.replace(/\/+$/, '')}/ml/endpoints/${encodeURIComponent(endpoint)}` };
}

/**
 * The serving report of a finished or a failed rollout (the failure is the evidence then). The
 * rollout has resolved its version before anything can fail with a report, so the version is known.
 */
export function buildServingReport(report: RolloutReport, input: ServingReportInput): ModelReport {
  const version = versionNumber(report.version);
  if (version === undefined) throw new RangeError(`The rollout reports version '${report.version}', which is not a version number.`);
  const previous = versionNumber(report.previousVersion);
  const passed = report.outcome === 'served' || report.outcome === 'unchanged';
  return {
    ...reportHeader('serving', input),
    model: { name: report.modelName, version },
    outcome: { status: passed ? 'passed' : 'failed', summary: clip(summaries[report.outcome](report)) },
    serving: servingSection(report),
    links: [
      servingEndpointLink(input.host, report.endpointName),
      modelVersionLink(input.host, report.modelName, version, 'served'),
      ...(previous !== undefined && previous !== version ? [modelVersionLink(input.host, report.modelName, previous, 'served before')] : []),
      ...auditRowLink(input.audit),
      ...pipelineRunLink(input.pipelineRun),
    ],
  };
}
