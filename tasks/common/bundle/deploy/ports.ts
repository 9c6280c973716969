/**
 * Ports through which the deploy core reaches processes and the agent's tool cache. The Node
 * adapters live in `tasks/common/node/cli-*.ts`; tests pass fakes.
 */

/** One process to start. No shell is involved: arguments reach the program as they are. */
export interface CommandSpec {
  /** Absolute path of the program, or a bare name looked up on the PATH of `env`. */
  executable: string;
  args: string[];
  /** Working directory. */
  cwd: string;
  /** The complete environment of the process (nothing is inherited). */
  env: Record<string, string>;
  /** Sees each output line as it arrives, e.g. to stream it to the log. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** How a process ended. */
export interface CommandResult {
  /** Exit code; -1 when the process was killed by a signal or could not start. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Starts processes. Implementations kill the process when `signal` aborts and then reject. */
export interface CommandRunner {
  run(command: CommandSpec, signal?: AbortSignal): Promise<CommandResult>;
}

/** A file to place into a tool cache folder. */
export interface ToolFile {
  /** Relative path inside the tool folder, `/`-separated, never absolute or with `..`. */
  path: string;
  data: Uint8Array;
  /** Marks the file executable (the CLI binary). */
  executable: boolean;
}

/**
 * The agent's tool cache (`Agent.ToolsDirectory`): `<root>/<tool>/<version>/<arch>/`, with a
 * `<arch>.complete` marker written last so a half-written folder is never used.
 */
export interface ToolCache {
  /** The folder of a completely cached version, or undefined. */
  find(tool: string, version: string, arch: string): Promise<string | undefined>;
  /** Writes the files into a fresh folder, marks it complete, and returns the folder. */
  add(tool: string, version: string, arch: string, files: ToolFile[]): Promise<string>;
}

/** Finds programs the way a shell would. */
export interface ProgramLocator {
  /** Absolute path of the first executable called `name` on `searchPath` (a PATH value), or undefined. */
  which(name: string, searchPath: string): Promise<string | undefined>;
}
