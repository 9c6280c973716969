/**
 * Turns a task's failure message into one that says what to do next, without each parser having to
 * know about pipelines: an input value that still holds `$(name)` was never resolved by the agent
 * (usually an output variable of another job that was not mapped), and an input named by its YAML
 * name is also named by the label the classic editor shows.
 */

/** An input of the task's task.json, as far as messages need it. */
export interface LabelledInput {
  name: string;
  label?: string;
}

/**
 * The explanation for a `$(name)` macro the agent left unresolved, or undefined when `message`
 * quotes none. `a.b` names are output variables of a step (`<step name>.<output>`).
 */
export function unresolvedVariableHint(message: string): string | undefined {
  const match = /'[^']*\$\(([A-Za-z0-9_.-]+)\)[^']*'/.exec(message);
  if (!match) return undefined;
  const name = match[1];
  const dot = name.indexOf('.');
  if (dot < 0) return `The pipeline variable '${name}' was not resolved: it is not defined in this job (check its name and where it is set).`;
  const [step, output] = [name.slice(0, dot), name.slice(dot + 1)];
  return (
    `'$(${name})' was not resolved: output variables of a step are visible as $(${name}) only later in the same job. ` +
    `In another job, map it first: variables: { ${output}: $[ dependencies.<job>.outputs['${step}.${output}'] ] } ` +
    `(from another stage: stageDependencies.<stage>.<job>.outputs['${step}.${output}']), add the job to dependsOn, and use $(${output}).`
  );
}

/**
 * The message followed by the classic-editor labels of the inputs it quotes by YAML name, where the
 * label differs: `... (Classic editor: 'rules' is 'Rules (YAML)', 'rulesFile' is 'Rules file'.)`.
 * Appended rather than woven in, so the message itself reads as before.
 */
export function withInputLabels(message: string, inputs: readonly LabelledInput[]): string {
  const labels = new Map(inputs.filter((input) => input.label && input.label.toLowerCase() !== input.name.toLowerCase()).map((input) => [input.name, input.label as string]));
  const named = [...new Set([...message.matchAll(/'([A-Za-z][A-Za-z0-9]*)'/g)].map((match) => match[1]))].filter((name) => labels.has(name));
  if (named.length === 0) return message;
  return `${message} (Classic editor: ${named.map((name) => `'${name}' is '${labels.get(name)}'`).join(', ')}.)`;
}

/** The failure message as the step reports it: the unresolved-variable hint and the labels appended. */
export function explainFailure(message: string, inputs: readonly LabelledInput[]): string {
  const hint = unresolvedVariableHint(message);
  return withInputLabels(hint ? `${message} ${hint}` : message, inputs);
}
