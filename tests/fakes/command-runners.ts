/** Fakes of the two command-runner ports: the release bundle's shell runner and the deploy core's CLI runner. */
import type { CommandRunner as ShellRunner } from '../../tasks/common/bundle/ports';
import type { CommandResult, CommandRunner, CommandSpec } from '../../tasks/common/bundle/deploy/ports';

/** A command runner that records shell commands and runs `onShell` for their effects. */
export function fakeRunner(onShell: (command: string, cwd: string) => number = () => 0): ShellRunner & { shells: Array<{ command: string; cwd: string }> } {
  const shells: Array<{ command: string; cwd: string }> = [];
  return {
    shells,
    async shell(command, { cwd }) {
      shells.push({ command, cwd });
      return { exitCode: onShell(command, cwd) };
    },
    async capture() {
      throw new Error('no commands are captured in these tests');
    },
    async which() {
      return undefined;
    },
  };
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
