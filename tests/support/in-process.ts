/**
 * What every task's in-process scenario tests share: the workspace emulator on the tasks' simulated
 * clock (polls, job progress and retry back-off cost no wall time), the connection the tests use,
 * and readers of what a run showed. The task-family files beside it (in-process-models.ts,
 * in-process-integration.ts, in-process-promotion-gates.ts) add what only their tasks need.
 */
import type { TaskContext, TaskOutcome } from '../../tasks/common/task/task-context';
import { startEmulator, type Emulator, type Scenario } from '../emulator';
import { FakeClock } from '../fakes/clock';
import type { InProcessRun, PublishedFile } from '../fakes/task-run';
import type { EndpointFixture } from './task-bundle';

/** A task's entry as `index.ts` hands it to `runTask`. */
export type TaskEntry = (context: TaskContext) => Promise<TaskOutcome | void>;

/** A workspace emulator whose clock is the tasks' simulated clock. */
export interface SimulatedWorkspace {
  emulator: Emulator;
  clock: FakeClock;
}

/** Starts the emulator on `clock` (by default a fresh one that starts now, so timestamps look real). */
export async function startSimulatedWorkspace(scenario: Scenario, clock = new FakeClock(Date.now())): Promise<SimulatedWorkspace> {
  return { emulator: await startEmulator({ scenario, clock }), clock };
}

/** The service connection `CONN` with a personal access token on the emulator. */
export function patConnection(url: string, token: string): Record<string, EndpointFixture> {
  return { CONN: { url, scheme: 'Token', parameters: { apitoken: token } } };
}

/** The warnings the run logged (what the agent shows as `##vso[task.issue type=warning]`). */
export function warnings(run: Pick<InProcessRun, 'log'>): string[] {
  return run.log.filter((line) => line.startsWith('warn ')).map((line) => line.slice('warn '.length));
}

/** The files of one kind the run handed to the agent, in order. */
export function publishedOf(run: Pick<InProcessRun, 'published'>, kind: PublishedFile['kind']): PublishedFile[] {
  return run.published.filter((file) => file.kind === kind);
}

/** The rows of an emulator table as objects by column name; none when the table does not exist. */
export function tableRows(emulator: Emulator, name: string): Array<Record<string, string | null>> {
  const table = emulator.state.tables.get(name);
  if (!table) return [];
  return table.rows.map((row) => Object.fromEntries(table.columns.map((column, i) => [column.name, row[i]])));
}
