/** Fakes of the deploy core's ports, shared by the bundle-deploy unit tests. */
import type { Clock } from '../../../tasks/common/ports';
import type { CommandResult, CommandRunner, CommandSpec } from '../../../tasks/common/bundle/deploy/ports';
import type { TokenProvider } from '../../../tasks/common/databricks/token-provider';

/** A clock whose sleeps return at once and are recorded. */
export class SimulatedClock implements Clock {
  readonly sleeps: number[] = [];
  private time = 1_700_000_000_000;
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

/** A runner that answers from a script and records every command. */
export class ScriptedRunner implements CommandRunner {
  readonly commands: CommandSpec[] = [];
  constructor(private readonly answer: (command: CommandSpec, index: number) => Partial<CommandResult>) {}
  run(command: CommandSpec): Promise<CommandResult> {
    const index = this.commands.length;
    this.commands.push(command);
    const result = { exitCode: 0, stdout: '', stderr: '', ...this.answer(command, index) };
    for (const line of result.stdout.split('\n').filter(Boolean)) command.onLine?.(line, 'stdout');
    for (const line of result.stderr.split('\n').filter(Boolean)) command.onLine?.(line, 'stderr');
    return Promise.resolve(result);
  }
  /** `bundle deploy` and the like, without the `--var` pairs. */
  verbs(): string[] {
    return this.commands.map((command) => command.args.slice(0, 2).join(' '));
  }
}

/** Hands out a new token per call, like an OAuth provider near expiry. */
export class CountingTokens implements TokenProvider {
  readonly identity = 'test identity';
  issued: string[] = [];
  getToken(): Promise<string> {
    const token = `token-${this.issued.length + 1}-${'x'.repeat(8)}`;
    this.issued.push(token);
    return Promise.resolve(token);
  }
  invalidate(): void {}
}

/** A logger that keeps what it was given. */
export function recordingLogger(): { info: string[]; warn: string[]; debug: string[]; logger: { info(m: string): void; warn(m: string): void; debug(m: string): void } } {
  const info: string[] = [];
  const warn: string[] = [];
  const debug: string[] = [];
  return { info, warn, debug, logger: { info: (m) => info.push(m), warn: (m) => warn.push(m), debug: (m) => debug.push(m) } };
}
