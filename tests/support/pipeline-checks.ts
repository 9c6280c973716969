/**
 * Checks of an expanded pipeline that the YAML schema cannot make: this extension's task steps name
 * only inputs their task.json declares and give every required one (honouring `visibleRule`), stages
 * hold jobs and not steps, `dependsOn` names jobs and stages that exist, and every output variable
 * read through `dependencies` / `stageDependencies` comes from a step that exists and, for this
 * extension's tasks, really sets it. Problems name the stage, job and step.
 */
import type { TaskManifest } from './pipeline-schema';

type Mapping = Record<string, unknown>;

interface Job {
  name: string;
  dependsOn: string[];
  steps: Mapping[];
  /** Steps keyed by name, for output references. */
  stepNames: Set<string>;
  raw: Mapping;
}

interface Stage {
  name: string;
  dependsOn: string[];
  jobs: Job[];
  raw: Mapping;
}

function list(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function mapping(value: unknown): Mapping | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Mapping) : undefined;
}

/** Steps of a deployment job's strategy (runOnce, rolling, canary; every lifecycle hook). */
function deploymentSteps(job: Mapping): Mapping[] {
  const steps: Mapping[] = [];
  const strategy = mapping(job.strategy) ?? {};
  for (const kind of Object.values(strategy)) {
    for (const [hook, body] of Object.entries(mapping(kind) ?? {})) {
      if (hook === 'on') {
        for (const outcome of Object.values(mapping(body) ?? {})) steps.push(...((mapping(outcome)?.steps as Mapping[] | undefined) ?? []));
      } else steps.push(...((mapping(body)?.steps as Mapping[] | undefined) ?? []));
    }
  }
  return steps;
}

function readJob(raw: Mapping, index: number): Job {
  const name = String(raw.job ?? raw.deployment ?? `Job${index + 1}`);
  const steps = raw.deployment !== undefined ? deploymentSteps(raw) : ((raw.steps as Mapping[] | undefined) ?? []);
  return { name, dependsOn: list(raw.dependsOn), steps, stepNames: new Set(steps.map((s) => s.name).filter((n): n is string => typeof n === 'string')), raw };
}

/** The stages of a pipeline, whichever level it starts at (stages, jobs or steps). */
export function readStages(pipeline: Mapping): Stage[] {
  if (Array.isArray(pipeline.stages)) {
    return (pipeline.stages as Mapping[]).map((raw, index) => ({
      name: String(raw.stage ?? `Stage${index + 1}`),
      dependsOn: list(raw.dependsOn),
      jobs: ((raw.jobs as Mapping[] | undefined) ?? []).map(readJob),
      raw,
    }));
  }
  const jobs = Array.isArray(pipeline.jobs) ? (pipeline.jobs as Mapping[]) : [{ job: 'Job', steps: pipeline.steps ?? [] }];
  return [{ name: '__default', dependsOn: [], jobs: jobs.map(readJob), raw: pipeline }];
}

/** Evaluates a task.json `visibleRule` (`a = x`, `a != x`, joined by `&&` or `||`) against input values. */
export function visible(rule: string | undefined, values: Record<string, string>): boolean {
  if (!rule) return true;
  const test = (clause: string): boolean => {
    const match = /^\s*([A-Za-z0-9_]+)\s*(!=|=)\s*(.*?)\s*$/.exec(clause);
    if (!match) return true;
    const value = (values[match[1]] ?? '').toLowerCase();
    return match[2] === '=' ? value === match[3].toLowerCase() : value !== match[3].toLowerCase();
  };
  return rule.includes('||') ? rule.split('||').some(test) : rule.split('&&').every(test);
}

function taskStepProblems(where: string, step: Mapping, task: TaskManifest): string[] {
  const problems: string[] = [];
  const given = mapping(step.inputs) ?? {};
  const declared = new Map<string, NonNullable<TaskManifest['inputs']>[number]>();
  for (const input of task.inputs ?? []) {
    declared.set(input.name.toLowerCase(), input);
    for (const alias of input.aliases ?? []) declared.set(alias.toLowerCase(), input);
  }
  for (const name of Object.keys(given)) {
    if (!declared.has(name.toLowerCase())) problems.push(`${where}: ${task.name} has no input '${name}'`);
  }
  const values: Record<string, string> = {};
  for (const input of task.inputs ?? []) {
    const value = Object.entries(given).find(([name]) => name.toLowerCase() === input.name.toLowerCase() || (input.aliases ?? []).some((a) => a.toLowerCase() === name.toLowerCase()))?.[1];
    values[input.name] = value === undefined || value === null ? (input.defaultValue ?? '') : String(value);
  }
  for (const input of task.inputs ?? []) {
    if (!input.required || !visible(input.visibleRule, values)) continue;
    if (values[input.name].trim() === '') problems.push(`${where}: ${task.name} requires input '${input.name}'${input.visibleRule ? ` (when ${input.visibleRule})` : ''}`);
  }
  return problems;
}

function referenceProblems(where: string, text: string, stage: Stage, stages: Stage[], tasks: Map<string, TaskManifest>, jobLevel: boolean): string[] {
  const problems: string[] = [];
  const checkStep = (job: Job, stepPath: string, variable: string, label: string): void => {
    // Deployment jobs prefix their outputs with the job (or lifecycle hook) name.
    const stepName = stepPath.split('.').pop() as string;
    if (!job.stepNames.has(stepName)) {
      problems.push(`${where}: ${label} reads '${stepPath}.${variable}', but job '${job.name}' has no step named '${stepName}'`);
      return;
    }
    const step = job.steps.find((s) => s.name === stepName) as Mapping;
    const task = typeof step.task === 'string' ? tasks.get(step.task) : undefined;
    if (task && !(task.outputVariables ?? []).some((o) => o.name === variable)) {
      problems.push(`${where}: ${label} reads '${stepName}.${variable}', but ${task.name} sets only ${(task.outputVariables ?? []).map((o) => o.name).join(', ')}`);
    }
  };
  // At stage level `dependencies.<stage>.outputs['<job>.<step>.<var>']` names stages: read only at job level.
  for (const [, jobName, stepPath, variable] of jobLevel ? text.matchAll(/(?<![A-Za-z])dependencies\.([A-Za-z0-9_]+)\.outputs\['([A-Za-z0-9_.]+)\.([A-Za-z0-9_]+)'\]/g) : []) {
    const job = stage.jobs.find((j) => j.name === jobName);
    if (!job) problems.push(`${where}: reads outputs of job '${jobName}', which stage '${stage.name}' does not have`);
    else checkStep(job, stepPath, variable, `dependencies.${jobName}`);
  }
  for (const [, stageName, jobName, stepPath, variable] of text.matchAll(/stageDependencies\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\.outputs\['([A-Za-z0-9_.]+)\.([A-Za-z0-9_]+)'\]/g)) {
    const other = stages.find((s) => s.name === stageName);
    const job = other?.jobs.find((j) => j.name === jobName);
    if (!job) problems.push(`${where}: reads outputs of '${stageName}.${jobName}', which does not exist`);
    else checkStep(job, stepPath, variable, `stageDependencies.${stageName}.${jobName}`);
  }
  return problems;
}

/** Every problem of an expanded pipeline; `tasks` maps `Name@major` to this extension's manifests. */
export function expandedPipelineProblems(pipeline: Mapping, tasks: Map<string, TaskManifest>): string[] {
  const problems: string[] = [];
  const stages = readStages(pipeline);
  const stageNames = new Set(stages.map((s) => s.name));
  for (const stage of stages) {
    if (stage.name !== '__default' && Array.isArray(stage.raw.steps)) problems.push(`stage '${stage.name}': steps must be inside a job, not directly under a stage`);
    for (const name of stage.dependsOn.filter((n) => !stageNames.has(n))) problems.push(`stage '${stage.name}': dependsOn names stage '${name}', which does not exist`);
    const jobNames = new Set(stage.jobs.map((j) => j.name));
    for (const job of stage.jobs) {
      const where = `stage '${stage.name}', job '${job.name}'`;
      for (const name of job.dependsOn.filter((n) => !jobNames.has(n))) problems.push(`${where}: dependsOn names job '${name}', which stage '${stage.name}' does not have`);
      job.steps.forEach((step, index) => {
        const task = typeof step.task === 'string' ? tasks.get(step.task) : undefined;
        if (task) problems.push(...taskStepProblems(`${where}, step ${typeof step.name === 'string' ? `'${step.name}'` : index + 1}`, step, task));
      });
      const { steps: _steps, strategy: _strategy, ...jobSettings } = job.raw;
      problems.push(...referenceProblems(where, JSON.stringify([jobSettings, job.steps]), stage, stages, tasks, true));
    }
    const { jobs: _jobs, ...stageSettings } = stage.raw;
    problems.push(...referenceProblems(`stage '${stage.name}'`, JSON.stringify(stageSettings), stage, stages, tasks, false));
  }
  return problems;
}
