/**
 * Parsing of task input values, shared by every task so they all read `key=value` lines, lists,
 * booleans and numbers the same way. Every error names the input, quotes the value and says what
 * is expected, e.g. `Invalid 'timeoutMinutes' 'soon': expected a number greater than 0`.
 */

import type { TaskInputs } from './task-context';

/** The error for a value that does not parse. */
export function invalidInput(name: string, value: string, expected: string): Error {
  return new Error(`Invalid '${name}' '${value}': expected ${expected}`);
}

/** A choice among fixed values (pick lists); undefined gives `defaultValue`. */
export function parseChoiceInput<T extends string>(name: string, value: string | undefined, choices: readonly T[], defaultValue: T): T {
  if (value === undefined) return defaultValue;
  const match = choices.find((choice) => choice.toLowerCase() === value.trim().toLowerCase());
  if (match === undefined) throw invalidInput(name, value, `one of ${choices.join(', ')}`);
  return match;
}

/** `true` or `false` (any case); undefined gives `defaultValue`. */
export function parseBooleanInput(name: string, value: string | undefined, defaultValue: boolean): boolean {
  if (value === undefined) return defaultValue;
  const normalized = value.trim().toLowerCase();
  if (normalized === 'true') return true;
  if (normalized === 'false') return false;
  throw invalidInput(name, value, 'true or false');
}

/** Limits of a numeric input. */
export interface NumberLimits {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number;
  exclusiveMin?: boolean;
  max?: number;
  integer?: boolean;
  /** What the number counts, for messages: "minutes", "seconds". */
  unit?: string;
}

/** A decimal number within limits; undefined gives `defaultValue`. */
export function parseNumberInput(name: string, value: string | undefined, limits: NumberLimits, defaultValue: number): number;
export function parseNumberInput(name: string, value: string | undefined, limits: NumberLimits): number | undefined;
export function parseNumberInput(name: string, value: string | undefined, limits: NumberLimits, defaultValue?: number): number | undefined {
  if (value === undefined) return defaultValue;
  const text = value.trim();
  const number = Number(text);
  const kind = limits.integer ? 'a whole number' : 'a number';
  const unit = limits.unit ? ` of ${limits.unit}` : '';
  const bounds = [
    limits.min === undefined ? '' : `${limits.exclusiveMin ? 'greater than' : 'at least'} ${limits.min}`,
    limits.max === undefined ? '' : `at most ${limits.max}`,
  ].filter(Boolean).join(' and ');
  const expected = `${kind}${unit}${bounds ? ` ${bounds}` : ''}`;
  const pattern = limits.integer ? /^-?\d+$/ : /^-?(\d+\.?\d*|\.\d+)$/;
  if (!pattern.test(text) || !Number.isFinite(number)) throw invalidInput(name, value, expected);
  if (limits.integer && !Number.isSafeInteger(number)) throw invalidInput(name, value, expected);
  if (limits.min !== undefined && (limits.exclusiveMin ? number <= limits.min : number < limits.min)) throw invalidInput(name, value, expected);
  if (limits.max !== undefined && number > limits.max) throw invalidInput(name, value, expected);
  return number;
}

/** Items separated by commas or new lines, trimmed, empty ones and repeats dropped, order kept. */
export function parseListInput(name: string, value: string | undefined, item?: { pattern: RegExp; description: string }): string[] {
  const items = [...new Set((value ?? '').split(/[,\r\n]+/).map((entry) => entry.trim()).filter((entry) => entry !== ''))];
  for (const entry of items) {
    if (item && !item.pattern.test(entry)) throw invalidInput(name, entry, `${item.description}, separated by commas or new lines`);
  }
  return items;
}

/**
 * `key=value` lines into an ordered map. Blank lines and lines starting with `#` are skipped; the
 * value is everything after the first `=` (it may contain `=`); a key may appear once.
 */
export function parseKeyValueLines(name: string, value: string | undefined, key?: { pattern: RegExp; description: string }): Record<string, string> {
  const result: Record<string, string> = {};
  (value ?? '').split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    const k = equals < 0 ? '' : line.slice(0, equals).trim();
    // Only the key is quoted: values may be secrets (tokens passed as bundle variables or job parameters).
    const expected = `expected one ${key ? `<${key.description}>` : '<key>'}=<value> per line`;
    if (equals < 0) throw new Error(`Invalid '${name}' line ${index + 1}: no '=' in it; ${expected}`);
    if (k === '' || (key && !key.pattern.test(k))) throw new Error(`Invalid '${name}' line ${index + 1}: key '${k}'; ${expected}`);
    if (Object.prototype.hasOwnProperty.call(result, k)) throw new Error(`Invalid '${name}' line ${index + 1}: '${k}' is set twice`);
    // defineProperty: a key such as `__proto__` must become data, not change the object's prototype.
    Object.defineProperty(result, k, { value: line.slice(equals + 1).trim(), enumerable: true, writable: true, configurable: true });
  });
  return result;
}

/** One side of an either/or pair of inputs (`rules`/`rulesFile`), with the selector choice that shows it. */
export interface EitherInput<Choice extends string = string> {
  /** The selector option that shows this input in the classic editor, e.g. `file`. */
  choice: Choice;
  /** The input's YAML name. */
  name: string;
  value: string | undefined;
}

/** The side of an either/or pair that is used: its value is given. */
export interface ChosenInput<Choice extends string = string> extends EitherInput<Choice> {
  value: string;
}

/** A selector pick list in front of an either/or pair (`rulesSource: inline | file`). */
export interface EitherSelector {
  name: string;
  value: string | undefined;
  /** Its task.json `defaultValue`: what the agent passes when YAML does not set it. */
  defaultChoice: string;
}

/**
 * Picks the input of an either/or pair to use. The selector pick list exists for the classic editor,
 * which shows one input of the pair (`visibleRule`); in YAML the pair itself is the contract, and
 * the one input given is used whatever the selector says. When both carry a value, the classic
 * editor may have kept the hidden one: a selector set to a choice other than its default decides;
 * at the default (as YAML leaves it) both is ambiguous and refused. Undefined when neither is given.
 */
export function chooseEitherInput<Choice extends string>(
  selector: EitherSelector,
  pair: readonly [EitherInput<Choice>, EitherInput<Choice>],
): ChosenInput<Choice> | undefined {
  const choice = parseChoiceInput<string>(selector.name, selector.value, pair.map((side) => side.choice), selector.defaultChoice);
  const given = pair.filter((side): side is ChosenInput<Choice> => side.value !== undefined);
  if (given.length < 2) return given[0];
  if (choice !== selector.defaultChoice) return given.find((side) => side.choice === choice);
  throw new Error(`Set either '${pair[0].name}' or '${pair[1].name}', not both.`);
}

/**
 * Variables naming the folders the agent writes into an EMPTY `filePath` input. The agent roots every
 * filePath value, an empty one included: at the repository folder (one checkout),
 * `System.DefaultWorkingDirectory` (several checkouts) or `Release.ArtifactsDirectory` (classic
 * release), see azure-pipelines-agent `TaskRunner.TranslateFilePathInput` and the job extensions'
 * `GetRootedPath`. task-lib's `filePathSupplied` compares with the first of these for the same reason.
 */
export const filePathDefaultFolderVariables = ['Build.SourcesDirectory', 'Build.Repository.LocalPath', 'System.DefaultWorkingDirectory', 'Release.ArtifactsDirectory'] as const;

/** One spelling of a folder path for comparison: forward slashes, no trailing or doubled separator, Windows drive paths in lower case. */
function folderKey(value: string): string {
  const slashed = value.trim().replace(/^"(.*)"$/, '$1').replace(/\\/g, '/').replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return /^[A-Za-z]:/.test(slashed) ? slashed.toLowerCase() : slashed;
}

/**
 * `inputs` in which each of `filePathInputs` reads as not set (undefined) when its value is one of the
 * folders the agent substitutes for an empty filePath input ({@link filePathDefaultFolderVariables}).
 * Either/or pairs (`rules` or `rulesFile`) and optional files then behave in YAML and the classic
 * editor as written: an omitted file input is not a folder the user named. Pass only filePath inputs
 * without a `defaultValue` (the agent never leaves the others empty). The price is task-lib's: a
 * filePath input deliberately set to the repository folder itself also reads as not set.
 */
export function withUnsuppliedFilePaths(inputs: TaskInputs, filePathInputs: readonly string[]): TaskInputs {
  const names = new Set(filePathInputs);
  if (names.size === 0) return inputs;
  const defaultFolders = (): Set<string> =>
    new Set(filePathDefaultFolderVariables.map((variable) => inputs.variable(variable)).filter((value): value is string => value !== undefined && value.trim() !== '').map(folderKey));
  return {
    get(name) {
      const value = inputs.get(name);
      if (value === undefined || !names.has(name)) return value;
      return defaultFolders().has(folderKey(value)) ? undefined : value;
    },
    variable: (name) => inputs.variable(name),
    endpoint: (id) => inputs.endpoint(id),
  };
}

/** The names of a task.json's `filePath` inputs without a default value: those the agent fills when they are empty. */
export function agentFilledFilePathInputs(inputs: readonly { name: string; type?: string; defaultValue?: unknown }[]): string[] {
  return inputs.filter((input) => input.type === 'filePath' && (input.defaultValue === undefined || input.defaultValue === '')).map((input) => input.name);
}
