/** The Node adapter of the deploy core's CommandRunner: `child_process.spawn`, never a shell. */
import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner, CommandSpec } from '../bundle/deploy/ports';

/** Splits a stream of text chunks into lines for `onLine`, keeping the unfinished tail. */
function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line.replace(/\r$/, ''));
    },
    end() {
      if (pending !== '') emit(pending.replace(/\r$/, ''));
      pending = '';
    },
  };
}

/** Runs programs as child processes. Aborting the signal terminates the child and rejects with the signal's reason. */
export function createCliCommandRunner(): CommandRunner {
  return {
    run(command: CommandSpec, signal?: AbortSignal): Promise<CommandResult> {
      return new Promise<CommandResult>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        // No shell: arguments (bundle variables, targets) reach the CLI verbatim, with no quoting to get wrong.
        const child = spawn(command.executable, command.args, {
          cwd: command.cwd,
          env: command.env,
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        });
        let stdout = '';
        let stderr = '';
        const out = lineSplitter((line) => command.onLine?.(line, 'stdout'));
        const err = lineSplitter((line) => command.onLine?.(line, 'stderr'));
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk;
          out.push(chunk);
        });
        child.stderr.on('data', (chunk: string) => {
          stderr += chunk;
          err.push(chunk);
        });
        const onAbort = (): void => {
          child.kill('SIGTERM');
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        child.on('error', (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(new Error(`Could not start '${command.executable}': ${error.message}`, { cause: error }));
        });
        child.on('close', (code) => {
          signal?.removeEventListener('abort', onAbort);
          out.end();
          err.end();
          if (signal?.aborted) {
            reject(signal.reason);
            return;
          }
          resolve({ exitCode: code ?? -1, stdout, stderr });
        });
      });
    },
  };
}
