/**
 * Jobs API 2.2 (and the 2.1 paths, which share request shapes but do not paginate `tasks`).
 * Quirks reproduced from the contract: a missing job or run is 400 INVALID_PARAMETER_VALUE (not 404),
 * `get-output` on a multi-task parent run is 400, `runs/cancel` is asynchronous (TERMINATING first),
 * `idempotency_token` returns the existing run, arrays in `runs/get`/`jobs/get` come 100 per page, and
 * empty lists are omitted from responses (protobuf JSON), e.g. `jobs/list` without matches has no `jobs`.
 */
import type {
  BaseJob,
  CancelRun,
  Job,
  JobParameter,
  ListJobsResponse,
  Run,
  RunNow,
  RunNowResponse,
  RunOutput,
  RunTask,
  SubmitRun,
  SubmitRunResponse,
  SubmitTask,
  Task,
} from '@databricks/sdk-experimental/dist/apis/jobs/model';
import {
  decodePageToken,
  encodePageToken,
  invalidParameter,
  jsonBody,
  ok,
  parseInteger,
  requiredQuery,
  type EmulatorRequest,
  type Reply,
  type Route,
} from '../http-kit';
import type { EmulatorContext } from '../server';
import type { TaskScript } from '../scenario';
import type { JobRecord } from '../state';
import { scheduleTasks, viewRun, viewTask, type JobRunRecord, type RunView, type TaskRunRecord } from '../runs';

/** Arrays in 2.2 `runs/get` and `jobs/get` responses are cut into pages of this size. */
export const arrayPageSize = 100;
/** `notebook_output.result` is cut at 5 MB. */
const notebookOutputLimit = 5 * 1024 * 1024;
const defaultScript: TaskScript = { pending: 1, running: 1, result: 'SUCCESS' };
const runDoesNotExist = (runId: number) => invalidParameter(`Run ${runId} does not exist.`);
const multiTaskOutput =
  'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.';

/** Writes files of finished tasks and stamps end times; call before reading runs or volumes. */
export function settleRun(context: EmulatorContext, run: JobRunRecord, step: number): RunView {
  for (const task of run.tasks) {
    const view = viewTask(run, task, step);
    if (!view.terminal) continue;
    task.endTime ??= context.now();
    if (view.ranToEnd && !task.filesWritten) {
      task.filesWritten = true;
      for (const [path, content] of Object.entries(task.script.files ?? {})) {
        context.state.files.set(path, { content: Buffer.from(content), modifiedAt: context.now() });
      }
    }
  }
  const view = viewRun(run, step);
  if (view.terminal) run.endTime ??= context.now();
  return view;
}

/** On a clock, runs progress without polls: bring every run up to date. */
export function settleAllRuns(context: EmulatorContext): void {
  for (const run of context.state.runs.values()) settleRun(context, run, context.runStep(run.createdAt, run.polls));
}

function durations(start: number, end: number | undefined): Pick<Run, 'setup_duration' | 'execution_duration' | 'cleanup_duration' | 'run_duration'> {
  const total = end === undefined ? 0 : end - start;
  return { setup_duration: 0, execution_duration: total, cleanup_duration: 0, run_duration: total };
}

function legacyState(view: RunView, run: JobRunRecord): Run['state'] {
  return {
    life_cycle_state: view.lifeCycle,
    ...(view.result ? { result_state: view.result } : {}),
    state_message: view.stateMessage,
    user_cancelled_or_timedout: view.result === 'CANCELED' && run.cancelStep !== undefined,
  };
}

function status(view: RunView): Run['status'] {
  return { state: view.statusState, ...(view.termination ? { termination_details: view.termination } : {}) };
}

function taskScriptFor(context: EmulatorContext, notebookPath: string | undefined, pythonFile: string | undefined): TaskScript {
  if (notebookPath !== undefined) return context.state.notebooks.get(notebookPath) ?? defaultScript;
  if (pythonFile !== undefined) return context.state.pythonFiles.get(pythonFile) ?? defaultScript;
  return defaultScript;
}

function jobTaskSpec(task: JobRecord['tasks'][number]): Task {
  return {
    task_key: task.taskKey,
    ...(task.notebookPath !== undefined
      ? { notebook_task: { notebook_path: task.notebookPath, source: 'WORKSPACE', ...(task.baseParameters ? { base_parameters: task.baseParameters } : {}) } }
      : {}),
    ...(task.pythonFile !== undefined ? { spark_python_task: { python_file: task.pythonFile } } : {}),
    ...(task.dependsOn?.length ? { depends_on: task.dependsOn.map((key) => ({ task_key: key })) } : {}),
    environment_key: 'default',
  };
}

function jobParameterDefinitions(job: JobRecord): Array<{ name: string; default: string }> {
  return Object.entries(job.parameters ?? {}).map(([name, value]) => ({ name, default: value }));
}

export function jobsRoutes(context: EmulatorContext): Route[] {
  const pageUrl = (jobId: number, runId: number): string => `${context.url}/#job/${jobId}/run/${runId}`;

  function findRun(runId: number): JobRunRecord {
    const run = context.state.runs.get(runId);
    if (!run) throw runDoesNotExist(runId);
    return run;
  }

  /** The step the next `runs/get` of the parent run will show. */
  function currentStep(run: JobRunRecord): number {
    return context.runStep(run.createdAt, run.polls);
  }

  /**
   * The step the client last saw. Without a clock, reads other than the parent's `runs/get` (task
   * runs, get-output) must not run ahead of it, or an output would appear before its run ended.
   */
  function observedStep(run: JobRunRecord): number {
    return context.clockDriven ? currentStep(run) : Math.max(0, run.polls - 1);
  }

  function taskToApi(run: JobRunRecord, task: TaskRunRecord, step: number): RunTask {
    const view = viewTask(run, task, step);
    const started = view.lifeCycle !== 'PENDING' && view.lifeCycle !== 'BLOCKED';
    return {
      ...task.spec,
      run_id: task.runId,
      task_key: task.taskKey,
      attempt_number: 0,
      run_page_url: pageUrl(run.jobId, task.runId),
      start_time: started ? run.createdAt : 0,
      end_time: view.terminal ? (task.endTime ?? context.now()) : 0,
      ...durations(run.createdAt, view.terminal ? task.endTime : undefined),
      state: legacyState(view, run),
      status: status(view),
    };
  }

  function jobParameterList(run: JobRunRecord): JobParameter[] {
    const job = context.state.jobs.get(run.jobId);
    const defaults = job?.parameters ?? {};
    return Object.entries({ ...defaults, ...run.jobParameters }).map(([name, value]) => ({
      name,
      ...(defaults[name] !== undefined ? { default: defaults[name] } : {}),
      value,
    }));
  }

  function runToApi(run: JobRunRecord, step: number, page: { offset: number; paginate: boolean }): Run {
    const view = settleRun(context, run, step);
    const all = run.tasks.map((t) => taskToApi(run, t, step));
    const tasks = page.paginate ? all.slice(page.offset, page.offset + arrayPageSize) : all;
    const hasMore = page.paginate && page.offset + arrayPageSize < all.length;
    const parameters = page.offset === 0 ? jobParameterList(run) : [];
    return {
      job_id: run.jobId,
      run_id: run.runId,
      number_in_job: run.numberInJob,
      original_attempt_run_id: run.runId,
      attempt_number: 0,
      creator_user_name: run.creator,
      run_name: run.runName,
      run_type: run.runType,
      run_page_url: pageUrl(run.jobId, run.runId),
      trigger: 'ONE_TIME',
      start_time: run.createdAt,
      end_time: view.terminal ? (run.endTime ?? context.now()) : 0,
      ...durations(run.createdAt, view.terminal ? run.endTime : undefined),
      queue_duration: 0,
      state: legacyState(view, run),
      status: status(view),
      ...(tasks.length > 0 ? { tasks } : {}),
      ...(parameters.length > 0 ? { job_parameters: parameters } : {}),
      ...(hasMore ? { has_more: true, next_page_token: encodePageToken(page.offset + arrayPageSize) } : {}),
    };
  }

  function createRun(fields: Omit<JobRunRecord, 'runId' | 'polls' | 'createdAt' | 'tasks'>, tasks: Array<Omit<TaskRunRecord, 'runId' | 'startStep' | 'endStep' | 'upstreamFailed' | 'filesWritten'>>): JobRunRecord {
    const runId = context.state.allocateRunId();
    const run: JobRunRecord = {
      ...fields,
      runId,
      polls: 0,
      createdAt: context.now(),
      tasks: tasks.map((t) => ({ ...t, runId: context.state.allocateRunId(), startStep: 0, endStep: 0, upstreamFailed: false, filesWritten: false })),
    };
    try {
      scheduleTasks(run.tasks);
    } catch (error) {
      throw invalidParameter((error as Error).message);
    }
    context.state.runs.set(runId, run);
    for (const task of run.tasks) context.state.taskRuns.set(task.runId, { run, task });
    return run;
  }

  function checkIdempotencyToken(token: unknown): string | undefined {
    if (token === undefined || token === null || token === '') return undefined;
    if (typeof token !== 'string' || token.length > 64) {
      throw invalidParameter('idempotency_token must be a string of at most 64 characters.');
    }
    return token;
  }

  function submit(request: EmulatorRequest): Reply {
    const body = jsonBody<SubmitRun>(request);
    const token = checkIdempotencyToken(body.idempotency_token);
    const existing = token === undefined ? undefined : context.state.idempotencyTokens.get(token);
    if (existing !== undefined) return ok({ run_id: existing } satisfies SubmitRunResponse);
    if (!Array.isArray(body.tasks) || body.tasks.length === 0) throw invalidParameter('A run must have at least one task.');
    const keys = new Set<string>();
    const tasks = body.tasks.map((task: SubmitTask) => {
      if (typeof task.task_key !== 'string' || !/^[\w\-.]{1,100}$/.test(task.task_key)) {
        throw invalidParameter(`Invalid task_key '${String(task.task_key)}': expected 1-100 characters of letters, digits, '_', '-', '.'.`);
      }
      if (keys.has(task.task_key)) throw invalidParameter(`Task key '${task.task_key}' is used by more than one task.`);
      keys.add(task.task_key);
      if (task.notebook_task && !task.notebook_task.notebook_path) throw invalidParameter('notebook_task.notebook_path is required.');
      if (task.spark_python_task && !task.spark_python_task.python_file) throw invalidParameter('spark_python_task.python_file is required.');
      const notebookPath = task.notebook_task?.notebook_path;
      const pythonFile = task.spark_python_task?.python_file;
      return {
        taskKey: task.task_key,
        notebookPath,
        pythonFile,
        baseParameters: { ...task.notebook_task?.base_parameters },
        parameters: task.spark_python_task?.parameters,
        dependsOn: (task.depends_on ?? []).map((d) => d.task_key),
        script: taskScriptFor(context, notebookPath, pythonFile),
        spec: task,
        timeoutSeconds: task.timeout_seconds,
      };
    });
    if (body.timeout_seconds !== undefined && (!Number.isInteger(body.timeout_seconds) || body.timeout_seconds < 0)) {
      throw invalidParameter('timeout_seconds must be a non-negative integer.');
    }
    const run = createRun(
      {
        jobId: context.state.allocateJobId(),
        numberInJob: 1,
        runName: body.run_name ?? 'Untitled',
        runType: 'SUBMIT_RUN',
        creator: request.caller!.identity,
        idempotencyToken: token,
        jobParameters: {},
        timeoutSeconds: body.timeout_seconds,
        request: body,
      },
      tasks,
    );
    if (token !== undefined) context.state.idempotencyTokens.set(token, run.runId);
    return ok({ run_id: run.runId } satisfies SubmitRunResponse);
  }

  function findJob(value: unknown): JobRecord {
    const jobId = parseInteger('job_id', value);
    const job = context.state.jobs.get(jobId);
    if (!job) throw invalidParameter(`Job ${jobId} does not exist.`);
    return job;
  }

  function runNow(request: EmulatorRequest): Reply {
    const body = jsonBody<RunNow>(request);
    if (body.job_id === undefined) throw invalidParameter('Missing required field: job_id');
    const job = findJob(body.job_id);
    const token = checkIdempotencyToken(body.idempotency_token);
    const existing = token === undefined ? undefined : context.state.idempotencyTokens.get(token);
    if (existing !== undefined) {
      return ok({ run_id: existing, number_in_job: context.state.runs.get(existing)?.numberInJob ?? 0 } satisfies RunNowResponse);
    }
    const parameters = body.job_parameters ?? {};
    for (const [name, value] of Object.entries(parameters)) {
      if (typeof value !== 'string') throw invalidParameter(`Job parameter '${name}' must be a string.`);
    }
    const only = body.only && body.only.length > 0 ? new Set(body.only) : undefined;
    for (const key of only ?? []) {
      if (!job.tasks.some((t) => t.taskKey === key)) throw invalidParameter(`Task key '${key}' in 'only' is not a task of job ${job.jobId}.`);
    }
    const selected = job.tasks.filter((t) => !only || only.has(t.taskKey));
    job.runCount += 1;
    const run = createRun(
      {
        jobId: job.jobId,
        numberInJob: job.runCount,
        runName: job.name,
        runType: 'JOB_RUN',
        creator: request.caller!.identity,
        idempotencyToken: token,
        jobParameters: { ...parameters },
        timeoutSeconds: job.timeoutSeconds,
        request: body,
      },
      selected.map((t) => ({
        taskKey: t.taskKey,
        notebookPath: t.notebookPath,
        pythonFile: t.pythonFile,
        baseParameters: { ...t.baseParameters },
        dependsOn: (t.dependsOn ?? []).filter((key) => !only || only.has(key)),
        script: t.script ?? taskScriptFor(context, t.notebookPath, t.pythonFile),
        spec: jobTaskSpec(t),
      })),
    );
    if (token !== undefined) context.state.idempotencyTokens.set(token, run.runId);
    return ok({ run_id: run.runId, number_in_job: run.numberInJob } satisfies RunNowResponse);
  }

  function getRun(request: EmulatorRequest): Reply {
    const runId = parseInteger('run_id', requiredQuery(request, 'run_id'));
    const paginate = request.path.startsWith('/api/2.2/');
    const offset = paginate ? decodePageToken(request.query.get('page_token')) : 0;
    const taskRun = context.state.taskRuns.get(runId);
    if (taskRun) {
      const step = observedStep(taskRun.run);
      settleRun(context, taskRun.run, step);
      return ok(taskRunAsRun(taskRun.run, taskRun.task, step));
    }
    const run = findRun(runId);
    const step = currentStep(run);
    const result = runToApi(run, step, { offset, paginate });
    run.polls += 1;
    return ok(result satisfies Run);
  }

  function taskRunAsRun(run: JobRunRecord, task: TaskRunRecord, step: number): Run {
    const apiTask = taskToApi(run, task, step);
    return {
      ...apiTask,
      job_id: run.jobId,
      run_name: task.taskKey,
      run_type: 'SUBMIT_RUN',
      creator_user_name: run.creator,
      original_attempt_run_id: task.runId,
      job_run_id: run.runId,
      trigger: 'ONE_TIME',
    };
  }

  function getOutput(request: EmulatorRequest): Reply {
    const runId = parseInteger('run_id', requiredQuery(request, 'run_id'));
    if (context.state.runs.has(runId)) throw invalidParameter(multiTaskOutput);
    const found = context.state.taskRuns.get(runId);
    if (!found) throw runDoesNotExist(runId);
    const { run, task } = found;
    const step = observedStep(run);
    settleRun(context, run, step);
    const view = viewTask(run, task, step);
    const output: RunOutput = { metadata: taskRunAsRun(run, task, step) };
    if (view.ranToEnd) {
      const script = task.script;
      if (task.notebookPath !== undefined && script.notebookOutput !== undefined) {
        const source = script.notebookOutput;
        const value =
          typeof source === 'function'
            ? source({ runId: task.runId, taskKey: task.taskKey, jobParameters: run.jobParameters, baseParameters: task.baseParameters })
            : source;
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const bytes = Buffer.from(text);
        output.notebook_output =
          bytes.length > notebookOutputLimit
            ? { result: bytes.subarray(0, notebookOutputLimit).toString('utf8'), truncated: true }
            : { result: text, truncated: false };
      }
      // Logs exist for python, wheel and JAR tasks; notebooks return their exit value instead.
      if (task.notebookPath === undefined && script.logs !== undefined) {
        output.logs = script.logs;
        output.logs_truncated = script.logsTruncated ?? false;
      }
      if (view.result !== 'SUCCESS') {
        if (script.error !== undefined) output.error = script.error;
        if (script.errorTrace !== undefined) output.error_trace = script.errorTrace;
      }
    }
    return ok(output);
  }

  function cancel(request: EmulatorRequest): Reply {
    const body = jsonBody<Partial<CancelRun>>(request);
    if (body.run_id === undefined) throw invalidParameter('Missing required field: run_id');
    const runId = parseInteger('run_id', body.run_id);
    const run = context.state.runs.get(runId) ?? context.state.taskRuns.get(runId)?.run;
    if (!run) throw runDoesNotExist(runId);
    const step = currentStep(run);
    if (run.cancelStep === undefined && !viewRun(run, step).terminal) run.cancelStep = step;
    return ok({});
  }

  function listJobs(request: EmulatorRequest): Reply {
    const limitText = request.query.get('limit');
    const limit = limitText === null ? 20 : parseInteger('limit', limitText);
    if (limit < 1 || limit > 100) throw invalidParameter(`Invalid limit ${limit}: must be between 1 and 100.`);
    const name = request.query.get('name');
    const expandTasks = request.query.get('expand_tasks') === 'true';
    const offset = decodePageToken(request.query.get('page_token'));
    const matching = [...context.state.jobs.values()]
      .filter((job) => name === null || job.name.toLowerCase() === name.toLowerCase())
      .sort((a, b) => a.jobId - b.jobId);
    const page = matching.slice(offset, offset + limit).map((job): BaseJob => {
      const tasks = job.tasks.map(jobTaskSpec);
      return {
        job_id: job.jobId,
        creator_user_name: job.creator,
        created_time: job.createdAt,
        settings: {
          name: job.name,
          format: 'MULTI_TASK',
          max_concurrent_runs: 1,
          timeout_seconds: job.timeoutSeconds ?? 0,
          ...(expandTasks ? { tasks: tasks.slice(0, arrayPageSize) } : {}),
          ...(job.tags ? { tags: job.tags } : {}),
        },
        ...(expandTasks && tasks.length > arrayPageSize ? { has_more: true } : {}),
      };
    });
    const response: ListJobsResponse = {
      ...(page.length > 0 ? { jobs: page } : {}),
      has_more: offset + limit < matching.length,
      ...(offset + limit < matching.length ? { next_page_token: encodePageToken(offset + limit) } : {}),
      ...(offset > 0 ? { prev_page_token: encodePageToken(Math.max(0, offset - limit)) } : {}),
    };
    return ok(response);
  }

  function getJob(request: EmulatorRequest): Reply {
    const job = findJob(requiredQuery(request, 'job_id'));
    const paginate = request.path.startsWith('/api/2.2/');
    const offset = paginate ? decodePageToken(request.query.get('page_token')) : 0;
    const tasks = job.tasks.map(jobTaskSpec);
    const pageTasks = paginate ? tasks.slice(offset, offset + arrayPageSize) : tasks;
    const hasMore = paginate && offset + arrayPageSize < tasks.length;
    const parameters = offset === 0 ? jobParameterDefinitions(job) : [];
    const response: Job = {
      job_id: job.jobId,
      creator_user_name: job.creator,
      run_as_user_name: job.creator,
      created_time: job.createdAt,
      settings: {
        name: job.name,
        format: 'MULTI_TASK',
        max_concurrent_runs: 1,
        timeout_seconds: job.timeoutSeconds ?? 0,
        ...(pageTasks.length > 0 ? { tasks: pageTasks } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(job.tags ? { tags: job.tags } : {}),
      },
      ...(hasMore ? { has_more: true, next_page_token: encodePageToken(offset + arrayPageSize) } : {}),
    };
    return ok(response);
  }

  const jobsPath = (rest: string): RegExp => new RegExp(`^/api/2\\.[12]/jobs/${rest}$`);
  return [
    { method: 'POST', pattern: jobsPath('runs/submit'), auth: 'workspace', handle: submit },
    { method: 'POST', pattern: jobsPath('run-now'), auth: 'workspace', handle: runNow },
    { method: 'GET', pattern: jobsPath('runs/get'), auth: 'workspace', handle: getRun },
    { method: 'GET', pattern: jobsPath('runs/get-output'), auth: 'workspace', handle: getOutput },
    { method: 'POST', pattern: jobsPath('runs/cancel'), auth: 'workspace', handle: cancel },
    { method: 'GET', pattern: jobsPath('list'), auth: 'workspace', handle: listJobs },
    { method: 'GET', pattern: jobsPath('get'), auth: 'workspace', handle: getJob },
  ];
}
