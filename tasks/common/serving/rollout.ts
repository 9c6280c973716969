/**
 * Rolls a Unity Catalog model version out to a Model Serving endpoint: resolve the version, read
 * the endpoint (create it only when asked), wait out an update in progress, send the planned
 * configuration once, wait until it serves, smoke-test it and roll back when the smoke test fails.
 * The endpoint accepts one configuration update at a time, and a failed update leaves the previous
 * configuration serving, so every failure is reported with what is serving now.
 */
import { toError } from '../http/errors';
import type { Clock, Logger } from '../ports';
import type { UnityCatalogModels } from '../databricks/unity-catalog';
import {
  isEndpointMissing,
  isUpdateConflict,
  type EndpointCoreConfigInput,
  type ServedEntityInput,
  type ServingEndpointDetailed,
  type ServingEndpoints,
} from '../databricks/serving';
import { defaultPollSchedule, nextPollDelay, type PollSchedule } from '../runs/poll-schedule';
import { configInputFrom, planRollout, sameConfig, type RolloutPlan, type RolloutTarget } from './traffic-plan';
import { judgeSmokeTest, type SmokeTest, type SmokeTestResult } from './smoke-test';
import { plainTextSecrets, tailOfLog } from './log-tail';

/** Which version to serve: a number, or the version an alias points at. */
export type VersionSource = { kind: 'version'; version: number } | { kind: 'alias'; alias: string };

/** Everything a rollout needs to know, parsed from the task's inputs. */
export interface RolloutRequest {
  endpointName: string;
  modelName: string;
  source: VersionSource;
  strategy: RolloutTarget['strategy'];
  canaryPercent: number;
  /** Create a missing endpoint serving the version, with `creation` as its served entity's settings. */
  createIfMissing: boolean;
  creation: Pick<ServedEntityInput, 'workload_size' | 'scale_to_zero_enabled'>;
  smokeTest?: SmokeTest;
  /** Restore the configuration read at the start when the smoke test fails. */
  rollbackOnFailure: boolean;
  /** The whole rollout's time limit, waits included. */
  timeoutMs: number;
}

/** What the rollout reaches. */
export interface RolloutDependencies {
  serving: Pick<ServingEndpoints, 'host' | 'get' | 'create' | 'updateConfig' | 'buildLogs' | 'serverLogs' | 'invoke'>;
  registry: Pick<UnityCatalogModels, 'getModelVersion' | 'getVersionByAlias'>;
  clock: Clock;
  logger: Logger;
  /** Aborted when the pipeline cancels the step: waiting stops; a configuration already sent is not undone. */
  signal: AbortSignal;
  schedule?: PollSchedule;
}

/** How the rollout ended. */
export type RolloutOutcome = 'served' | 'unchanged' | 'update-failed' | 'smoke-test-failed' | 'timed-out';

/** Everything the summary, the outputs and the audit row need; also carried by {@link ServingRolloutError}. */
export interface RolloutReport {
  outcome: RolloutOutcome;
  endpointName: string;
  endpointUrl: string;
  modelName: string;
  strategy: RolloutTarget['strategy'];
  /** The version rolled out. */
  version: string;
  /** The version that served the model before (the main one with canary), if any. */
  previousVersion?: string;
  servedName?: string;
  created: boolean;
  /** Configuration read at the start (after any update in progress ended). */
  before?: EndpointCoreConfigInput;
  /** Configuration serving at the end, as read back. */
  after?: EndpointCoreConfigInput;
  /** `state.config_update` and `state.ready` at the end. */
  finalState?: string;
  smokeTest?: SmokeTestResult;
  /** Set when the smoke test failed: whether the start configuration serves again. */
  rollback?: { done: boolean; detail: string };
  /** The served entity's state message and log tails, after a failed update. */
  failure?: { message: string; buildLog: string; serverLog: string };
  timings: { waitedForOtherUpdateMs: number; updateMs: number; totalMs: number };
}

/** A rollout that did not end with the version serving; `report` says what serves instead. */
export class ServingRolloutError extends Error {
  constructor(
    message: string,
    readonly report: RolloutReport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServingRolloutError';
  }
}

const maxConflictRetries = 3;

function stateOf(endpoint: ServingEndpointDetailed): string {
  return `${endpoint.state?.config_update ?? 'unknown'}, ${endpoint.state?.ready ?? 'unknown'}`;
}

interface Rollout {
  deps: RolloutDependencies;
  request: RolloutRequest;
  report: RolloutReport;
  startedAt: number;
  deadline: number;
  /** A configuration update (or the creation) was accepted by the endpoint. */
  sent: boolean;
}

async function resolveVersion(deps: RolloutDependencies, request: RolloutRequest): Promise<string> {
  const options = { signal: deps.signal };
  const info =
    request.source.kind === 'version'
      ? await deps.registry.getModelVersion(request.modelName, request.source.version, options)
      : await deps.registry.getVersionByAlias(request.modelName, request.source.alias, options);
  const version = String(info.version);
  if (info.status !== undefined && info.status !== 'READY') {
    throw new Error(`Version ${version} of ${request.modelName} is ${info.status}; only READY versions can be served.`);
  }
  const via = request.source.kind === 'alias' ? ` (alias '${request.source.alias}')` : '';
  deps.logger.info(`Serving version ${version}${via} of ${request.modelName} on endpoint '${request.endpointName}' with strategy ${request.strategy}.`);
  return version;
}

/** Polls the endpoint on the adaptive schedule until no update is in progress (and, when asked, it is READY). */
async function waitUntilSettled(rollout: Rollout, requireReady: boolean, since: number): Promise<ServingEndpointDetailed> {
  const { deps, request } = rollout;
  for (;;) {
    const endpoint = await deps.serving.get(request.endpointName, { signal: deps.signal });
    const update = endpoint.state?.config_update;
    if (update !== 'IN_PROGRESS' && (!requireReady || update !== 'NOT_UPDATING' || endpoint.state?.ready === 'READY')) return endpoint;
    const now = deps.clock.now();
    if (now >= rollout.deadline) {
      rollout.report.outcome = 'timed-out';
      rollout.report.finalState = stateOf(endpoint);
      throw new ServingRolloutError(
        `Endpoint '${request.endpointName}' was still ${stateOf(endpoint)} after ${Math.round((now - rollout.startedAt) / 60_000)} minutes (timeoutMinutes). The task stopped waiting; any update in progress goes on.`,
        rollout.report,
      );
    }
    const delay = Math.min(nextPollDelay(now - since, deps.schedule ?? defaultPollSchedule), rollout.deadline - now);
    deps.logger.debug(`Endpoint '${request.endpointName}' is ${stateOf(endpoint)}; next check in ${delay} ms.`);
    await deps.clock.sleep(delay, deps.signal);
  }
}

/** Reads the endpoint, creating it when missing and asked to; waits out an update in progress. */
async function readEndpoint(rollout: Rollout, version: string): Promise<ServingEndpointDetailed> {
  const { deps, request, report } = rollout;
  let endpoint: ServingEndpointDetailed;
  try {
    endpoint = await deps.serving.get(request.endpointName, { signal: deps.signal });
  } catch (error) {
    if (!isEndpointMissing(error)) throw error;
    if (!request.createIfMissing) {
      throw new Error(`Serving endpoint '${request.endpointName}' does not exist on ${deps.serving.host}. Create it, or set createIfMissing to let the task create it.`, { cause: error });
    }
    endpoint = await createEndpoint(rollout, version);
    // Our own creation is waited for as the rollout's update, not as someone else's.
    if (report.created) return endpoint;
  }
  if (endpoint.state?.config_update === 'IN_PROGRESS') {
    deps.logger.info(`Endpoint '${request.endpointName}' is already updating its configuration; waiting for that update to end first.`);
    const waitStart = deps.clock.now();
    endpoint = await waitUntilSettled(rollout, false, waitStart);
    report.timings.waitedForOtherUpdateMs += deps.clock.now() - waitStart;
  }
  return endpoint;
}

/**
 * Creates the endpoint serving the version, sent once and without the cancellation signal (like
 * the configuration update). When the answer is lost, the endpoint read back tells whether it is
 * ours (it is building our configuration) or another writer's, which is then rolled out to as usual.
 */
async function createEndpoint(rollout: Rollout, version: string): Promise<ServingEndpointDetailed> {
  const { deps, request, report } = rollout;
  const plan = planRollout({ name: request.endpointName, served_entities: [] }, { modelName: request.modelName, version, strategy: 'replace', canaryPercent: request.canaryPercent }, request.creation);
  deps.logger.info(`Creating serving endpoint '${request.endpointName}' serving ${plan.servedName}.`);
  try {
    await deps.serving.create({ name: request.endpointName, config: plan.config });
  } catch (error) {
    deps.logger.debug(`Creating the endpoint failed (${toError(error).message}); reading it back.`);
    const existing = await deps.serving.get(request.endpointName, { signal: deps.signal }).catch(() => Promise.reject(error));
    const building = existing.config === undefined && existing.pending_config !== undefined && sameConfig(configInputFrom(request.endpointName, existing.pending_config), plan.config);
    if (!building) return existing;
  }
  report.created = true;
  rollout.sent = true;
  report.servedName = plan.servedName;
  return deps.serving.get(request.endpointName, { signal: deps.signal });
}

/**
 * Sends the configuration once. A 409 means another update started after our read: it is waited
 * out and the plan made again from a fresh read. Any other failure is settled by reading the
 * endpoint: the update either started with our configuration or did not start at all.
 */
async function sendConfig(rollout: Rollout, plan: RolloutPlan, version: string): Promise<RolloutPlan> {
  const { deps, request } = rollout;
  for (let attempt = 0; ; attempt++) {
    if (deps.signal.aborted) throw deps.signal.reason;
    try {
      // Not given the signal: a cancellation must not cut the one request that changes the endpoint.
      await deps.serving.updateConfig(plan.config);
      rollout.sent = true;
      return plan;
    } catch (error) {
      if (isUpdateConflict(error) && attempt < maxConflictRetries) {
        deps.logger.info(`Another configuration update of '${request.endpointName}' started meanwhile; waiting for it and planning again.`);
        const endpoint = await waitUntilSettled(rollout, false, deps.clock.now());
        rollout.report.before = configInputFrom(request.endpointName, endpoint.config);
        plan = planRollout(rollout.report.before, { modelName: request.modelName, version, strategy: request.strategy, canaryPercent: request.canaryPercent });
        if (!plan.changed) return plan;
        continue;
      }
      const endpoint = await deps.serving.get(request.endpointName).catch(() => Promise.reject(error));
      if (endpoint.pending_config && sameConfig(configInputFrom(request.endpointName, endpoint.pending_config), plan.config)) {
        deps.logger.info('The answer to the configuration update was lost, but the endpoint is updating to it.');
        rollout.sent = true;
        return plan;
      }
      throw error;
    }
  }
}

/** The served entity's state message and the tails of its logs, after a failed update. */
async function describeFailure(rollout: Rollout, endpoint: ServingEndpointDetailed, servedName: string | undefined): Promise<NonNullable<RolloutReport['failure']>> {
  const { deps, request } = rollout;
  const entities = endpoint.pending_config?.served_entities ?? [];
  const entity = entities.find((candidate) => candidate.name === servedName) ?? entities.find((candidate) => candidate.state?.deployment === 'DEPLOYMENT_FAILED');
  const name = entity?.name ?? servedName;
  const secrets = plainTextSecrets(entity?.environment_vars);
  const read = async (which: 'buildLogs' | 'serverLogs'): Promise<string> => {
    if (!name) return '';
    try {
      return tailOfLog(await deps.serving[which](request.endpointName, name), secrets);
    } catch (error) {
      return `(could not read the log: ${toError(error).message})`;
    }
  };
  return {
    message: tailOfLog(entity?.state?.deployment_state_message ?? 'no state message', secrets),
    buildLog: await read('buildLogs'),
    serverLog: await read('serverLogs'),
  };
}

/** Sends a configuration and waits until it serves; a failed update becomes a {@link ServingRolloutError}. */
async function applyAndWait(rollout: Rollout, plan: RolloutPlan, version: string): Promise<{ endpoint: ServingEndpointDetailed; plan: RolloutPlan }> {
  const { deps, request, report } = rollout;
  const updateStart = deps.clock.now();
  const sent = await sendConfig(rollout, plan, version);
  let endpoint: ServingEndpointDetailed;
  try {
    endpoint = await waitUntilSettled(rollout, true, updateStart);
  } finally {
    report.timings.updateMs += deps.clock.now() - updateStart;
  }
  const update = endpoint.state?.config_update;
  report.after = configInputFrom(request.endpointName, endpoint.config);
  report.finalState = stateOf(endpoint);
  if (update === 'UPDATE_FAILED' || update === 'UPDATE_CANCELED') {
    report.outcome = 'update-failed';
    report.failure = await describeFailure(rollout, endpoint, sent.servedName);
    throw new ServingRolloutError(
      `The configuration update of endpoint '${request.endpointName}' ended ${update}: ${report.failure.message}. The endpoint keeps serving its previous configuration.`,
      report,
    );
  }
  return { endpoint, plan: sent };
}

async function runSmokeTest(rollout: Rollout, test: SmokeTest, servedName: string): Promise<SmokeTestResult> {
  const { deps, request, report } = rollout;
  // When the endpoint serves anything besides the new version (a canary's main version, other
  // models), its traffic split would send the query elsewhere: query the new entity directly.
  const alone = (report.after?.served_entities ?? []).length === 1 && request.strategy !== 'canary';
  const direct = alone ? undefined : servedName;
  const target = direct ? `served entity '${direct}'` : `endpoint '${request.endpointName}'`;
  const answer = await deps.serving.invoke(request.endpointName, test.body, { servedName: direct, signal: deps.signal });
  return judgeSmokeTest(test, answer, target);
}

/** Puts the configuration read at the start back and waits for it; never throws. */
async function rollBack(rollout: Rollout): Promise<NonNullable<RolloutReport['rollback']>> {
  const { deps, request, report } = rollout;
  if (!report.before || (report.before.served_entities ?? []).length === 0) {
    return { done: false, detail: 'the endpoint served nothing before this rollout, so there is no configuration to restore' };
  }
  if (deps.signal.aborted) return { done: false, detail: 'the pipeline was cancelled before the rollback' };
  deps.logger.warn(`Rolling endpoint '${request.endpointName}' back to the configuration it served before.`);
  try {
    await deps.serving.updateConfig(report.before);
    const endpoint = await waitUntilSettled(rollout, true, deps.clock.now());
    report.after = configInputFrom(request.endpointName, endpoint.config);
    report.finalState = stateOf(endpoint);
    if (endpoint.state?.config_update !== 'NOT_UPDATING') return { done: false, detail: `the rollback update ended ${endpoint.state?.config_update ?? 'unknown'}` };
    return { done: true, detail: 'the configuration read at the start serves again' };
  } catch (error) {
    // A timeout while waiting for the rollback does not change what failed: the smoke test.
    report.outcome = 'smoke-test-failed';
    return { done: false, detail: `the rollback did not complete: ${toError(error).message}` };
  }
}

/**
 * Runs the rollout. Resolves with the report when the version serves (or already did); rejects with
 * {@link ServingRolloutError} when an update failed, the smoke test failed or time ran out, with
 * the signal's reason when the pipeline cancelled, and with plain errors for refusals made before
 * any write (missing endpoint, impossible strategy).
 */
export async function rolloutModel(deps: RolloutDependencies, request: RolloutRequest): Promise<RolloutReport> {
  const startedAt = deps.clock.now();
  const report: RolloutReport = {
    outcome: 'served',
    endpointName: request.endpointName,
    endpointUrl: `${deps.serving.host}/serving-endpoints/${encodeURIComponent(request.endpointName)}/invocations`,
    modelName: request.modelName,
    strategy: request.strategy,
    version: '',
    created: false,
    timings: { waitedForOtherUpdateMs: 0, updateMs: 0, totalMs: 0 },
  };
  const rollout: Rollout = { deps, request, report, startedAt, deadline: startedAt + request.timeoutMs, sent: false };
  try {
    report.version = await resolveVersion(deps, request);
    return await serve(rollout, report.version);
  } catch (error) {
    if (deps.signal.aborted && rollout.sent) {
      deps.logger.warn(`Cancelled while endpoint '${request.endpointName}' was updating to version ${report.version}: the update goes on without the task. Re-run the step to see where it ended.`);
    }
    throw error;
  } finally {
    report.timings.totalMs = deps.clock.now() - startedAt;
  }
}

async function serve(rollout: Rollout, version: string): Promise<RolloutReport> {
  const { deps, request, report } = rollout;
  let endpoint = await readEndpoint(rollout, version);
  report.before = report.created ? undefined : configInputFrom(request.endpointName, endpoint.config);
  if (report.created) {
    endpoint = await waitAfterCreate(rollout);
  } else {
    const plan = planRollout(report.before as EndpointCoreConfigInput, { modelName: request.modelName, version, strategy: request.strategy, canaryPercent: request.canaryPercent });
    report.previousVersion = plan.previousVersion;
    report.servedName = plan.servedName;
    if (!plan.changed) {
      report.outcome = 'unchanged';
      report.after = report.before;
      report.finalState = stateOf(endpoint);
      deps.logger.info(`Endpoint '${request.endpointName}' already serves this configuration; nothing was sent.`);
      return report;
    }
    const applied = await applyAndWait(rollout, plan, version);
    endpoint = applied.endpoint;
    report.servedName = applied.plan.servedName;
    report.previousVersion = applied.plan.previousVersion;
  }
  if (request.smokeTest && report.servedName) {
    report.smokeTest = await runSmokeTest(rollout, request.smokeTest, report.servedName);
    if (!report.smokeTest.passed) {
      report.outcome = 'smoke-test-failed';
      if (request.rollbackOnFailure) report.rollback = await rollBack(rollout);
      const rolled = report.rollback ? ` Rollback: ${report.rollback.detail}.` : ' rollbackOnFailure is off: the new configuration keeps serving.';
      throw new ServingRolloutError(`The smoke test of ${report.smokeTest.target} failed: ${report.smokeTest.detail}.${rolled}`, report);
    }
    deps.logger.info(`Smoke test passed: ${report.smokeTest.detail}.`);
  }
  return report;
}

async function waitAfterCreate(rollout: Rollout): Promise<ServingEndpointDetailed> {
  const { deps, request, report } = rollout;
  const start = deps.clock.now();
  const endpoint = await waitUntilSettled(rollout, true, start);
  report.timings.updateMs += deps.clock.now() - start;
  report.after = configInputFrom(request.endpointName, endpoint.config);
  report.finalState = stateOf(endpoint);
  if (endpoint.state?.config_update === 'UPDATE_FAILED' || endpoint.state?.config_update === 'UPDATE_CANCELED') {
    report.outcome = 'update-failed';
    report.failure = await describeFailure(rollout, endpoint, report.servedName);
    throw new ServingRolloutError(`The new endpoint '${request.endpointName}' did not start: ${report.failure.message}.`, report);
  }
  return endpoint;
}
