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

/** `'name'` → the same followed by ` ('Label' in the classic editor)`, once per input, where the label differs. */
export function withInputLabels(message: string, inputs: readonly LabelledInput[]): string {
  const labels = new Map(inputs.filter((input) => input.label && input.label.toLowerCase() !== input.name.toLowerCase()).map((input) => [input.name, input.label as string]));
  const seen = new Set<string>();
  return message.replace(/'([A-Za-z][A-Za-z0-9]*)'(?! \()/g, (quoted, name: string) => {
    const label = labels.get(name);
    if (label === undefined || seen.has(name)) return quoted;
    seen.add(name);
    return `${quoted} ('${label}' in the classic editor)`;
  });
}

/** The failure message as the step reports it: labels added, and the unresolved-variable hint appended. */
export function explainFailure(message: string, inputs: readonly LabelledInput[]): string {
  const hint = unresolvedVariableHint(message);
  const labelled = withInputLabels(message, inputs);
  return hint ? `${labelled} ${hint}` : labelled;
}
