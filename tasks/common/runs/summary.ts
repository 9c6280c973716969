import type { TestSuite } from '../junit/model';
import { countTests, testStatus } from '../junit/model';
import { formatDuration } from './format';
import type { RunOutcome } from './run-outcome';
import type { TaskRunResult } from './results';

/** How many lines of a stack trace the summary shows. */
export const traceLinesInSummary = 12;
const maxFailuresListed = 25;

/** What the summary describes. */
export interface SummaryInput {
  runName: string;
  runId: number;
  /** Links the title to the run in the workspace. */
  runPageUrl?: string;
  /** How the run ended (or where it was when the task stopped waiting). */
  outcome: RunOutcome;
  durationMs?: number;
  /** One table row each; those that did not succeed get a section with their error and trace. */
  tasks: TaskRunResult[];
  /** Counted, and their failed cases listed with the first lines of the trace. */
  suites: TestSuite[];
  /** The task's verdict, e.g. "Failed: 2 of 14 tests failed". */
  verdict: string;
  /** Result files an earlier run wrote, listed so nobody mistakes them for this run's. */
  ignoredResultFiles?: string[];
  /** Why the task stopped waiting before the run ended, if it did. */
  interrupted?: 'timeout' | 'cancelled' | 'failed';
  /** The task's own limit in milliseconds, when it passed (`interrupted: 'timeout'`). */
  timeoutMs?: number;
}

/** `30 minutes`, `1 minute`, `0.5 minutes`: the limit as the user wrote it in `timeoutMinutes`. */
function minutes(ms: number): string {
  const value = Math.round((ms / 60_000) * 1000) / 1000;
  return `${value} minute${value === 1 ? '' : 's'}`;
}

/** Text safe inside one Markdown table cell or list item: no pipes, no line breaks. */
function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function firstLines(text: string, count: number): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const shown = lines.slice(0, count).join('\n');
  return lines.length > count ? `${shown}\n... (${lines.length - count} more lines)` : shown;
}

function fence(text: string): string {
  // A fence longer than any backtick run inside the text cannot be closed early by it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const marks = '`'.repeat(longest + 1);
  return `${marks}\n${text}\n${marks}`;
}

function stateLabel(outcome: RunOutcome): string {
  const icon = outcome.kind === 'success' ? '✅' : outcome.kind === 'skipped' ? '⏭️' : outcome.kind === 'running' ? '⏳' : '❌';
  return `${icon} ${outcome.resultState || outcome.lifecycle}`;
}

/**
 * The Markdown summary shown on the pipeline run: the run with its link, per task its state and
 * duration, the test counts, and each failure with the first lines of its trace.
 */
export function renderSummary(input: SummaryInput): string {
  const lines: string[] = [];
  const title = input.runPageUrl ? `[${input.runName}](${input.runPageUrl})` : input.runName;
  lines.push(`## Databricks integration tests: ${title}`, '');
  lines.push(`**${input.verdict}**`, '');
  if (input.interrupted === 'timeout' && input.timeoutMs !== undefined) {
    // Databricks reports a run the task cancelled as cancelled by the user (the token's owner); the
    // cause was the task's own limit, so say that instead of quoting the run's state message.
    lines.push(`Run ${input.runId}: ⏱️ timed out after ${minutes(input.timeoutMs)} (timeoutMinutes); the task then cancelled it (${input.outcome.resultState || input.outcome.lifecycle})`);
  } else {
    lines.push(`Run ${input.runId}: ${stateLabel(input.outcome)}${input.durationMs !== undefined ? ` in ${formatDuration(input.durationMs)}` : ''}`);
    if (input.outcome.message && input.outcome.kind !== 'success') lines.push('', `> ${cell(input.outcome.message)}`);
  }
  lines.push('');

  lines.push('| Task | State | Duration |', '|---|---|---|');
  for (const task of input.tasks) {
    const name = task.runPageUrl ? `[${cell(task.taskKey)}](${task.runPageUrl})` : cell(task.taskKey);
    lines.push(`| ${name} | ${stateLabel(task.outcome)} | ${task.durationMs !== undefined ? formatDuration(task.durationMs) : ''} |`);
  }
  lines.push('');

  const counts = countTests(input.suites);
  lines.push(`Tests: ${counts.total} total, ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`, '');
  const ignored = input.ignoredResultFiles ?? [];
  if (ignored.length > 0) {
    lines.push(`Ignored ${ignored.length} result file(s) older than this run (written by an earlier run; use a folder unique to the run):`, '');
    for (const file of ignored.slice(0, maxFailuresListed)) lines.push(`- \`${cell(file)}\``);
    if (ignored.length > maxFailuresListed) lines.push(`- ... and ${ignored.length - maxFailuresListed} more`);
    lines.push('');
  }

  const failedTasks = input.tasks.filter((t) => t.outcome.kind !== 'success' && t.outcome.kind !== 'skipped');
  for (const task of failedTasks) {
    lines.push(`### Task \`${cell(task.taskKey)}\` ${task.outcome.resultState || `did not finish (${task.outcome.lifecycle})`}`);
    const reason = task.error || task.outcome.message || task.outputUnavailable;
    if (reason) lines.push('', cell(reason));
    if (task.errorTrace) lines.push('', fence(firstLines(task.errorTrace, traceLinesInSummary)));
    lines.push('');
  }

  const failures = input.suites.flatMap((suite) => suite.cases.filter((c) => testStatus(c) === 'failed').map((c) => ({ suite, testCase: c })));
  if (failures.length > 0) {
    lines.push('### Failed tests', '');
    for (const { testCase } of failures.slice(0, maxFailuresListed)) {
      const problem = testCase.failure ?? testCase.error;
      lines.push(`- **${cell(testCase.classname)}.${cell(testCase.name)}**: ${cell(problem?.message ?? '')}`);
      if (problem?.trace) lines.push('', fence(firstLines(problem.trace, traceLinesInSummary)), '');
    }
    if (failures.length > maxFailuresListed) lines.push(`- ... and ${failures.length - maxFailuresListed} more (see the Tests tab)`);
    lines.push('');
  }
  return lines.join('\n');
}
