/**
 * Node adapters for the release-bundle ports: the real file system and a child-process runner.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import type { Logger } from '../ports';
import type { BundleFileSystem, CommandResult, CommandRunner, FileInfo } from '../bundle/ports';

function toInfo(stats: fs.Stats): FileInfo {
  const kind = stats.isSymbolicLink() ? 'symlink' : stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
  return { kind, size: kind === 'file' ? stats.size : 0 };
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}

/** A path that does not exist (or is a dangling link) has no information, rather than an error. */
async function toInfoUnlessMissing(stats: Promise<fs.Stats>): Promise<FileInfo | undefined> {
  try {
    return toInfo(await stats);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** The real file system. */
export const nodeBundleFileSystem: BundleFileSystem = {
  readdir: (directory) => fs.promises.readdir(directory),
  // Node looks up (lstat) the entries whose type the file system does not report.
  list: async (directory) =>
    (await fs.promises.readdir(directory, { withFileTypes: true })).map((entry) => ({
      name: entry.name,
      kind: entry.isSymbolicLink() ? 'symlink' : entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other',
    })),
  lstat: async (target) => toInfoUnlessMissing(fs.promises.lstat(target)),
  stat: async (target) => toInfoUnlessMissing(fs.promises.stat(target)),
  realpath: (target) => fs.promises.realpath(target),
  readText: (target) => fs.promises.readFile(target, 'utf8'),
  readSmall: async (target, maxBytes) => {
    // Callbacks rather than a FileHandle: this runs once per packed file, and the handle's
    // promises and finaliser cost more main-thread time than the reads themselves.
    const call = <T>(start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> =>
      new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
    let fd: number;
    try {
      // Non-blocking, so a named pipe put in a file's place does not hang the open (no effect on files).
      fd = await call<number>((done) => fs.open(target, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0), done));
    } catch (error) {
      if (isMissing(error)) return undefined;
      // Windows refuses to open a folder as a file.
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { info: { kind: 'directory', size: 0 } };
      throw error;
    }
    try {
      const info = toInfo(await call<fs.Stats>((done) => fs.fstat(fd, done)));
      if (info.kind !== 'file' || info.size > maxBytes) return { info };
      // One byte more than `fstat` said shows a file that grew meanwhile; it is read on to its end.
      const parts = [Buffer.allocUnsafe(info.size + 1)];
      let length = 0;
      for (;;) {
        const part = parts[parts.length - 1];
        const read = await call<number>((done) => fs.read(fd, part, 0, part.length, length, done));
        length += read;
        if (read < part.length) {
          parts[parts.length - 1] = part.subarray(0, read);
          break;
        }
        parts.push(Buffer.allocUnsafe(64 * 1024));
      }
      return { info, data: parts.length === 1 ? parts[0] : Buffer.concat(parts, length) };
    } finally {
      await call<void>((done) => fs.close(fd, (error) => done(error, undefined)));
    }
  },
  openRead(target, range) {
    if (range) {
      // The port's range is [start, end); Node's `end` is inclusive and cannot express "empty".
      if (range.end <= range.start) return Readable.from([]);
      return fs.createReadStream(target, { start: range.start, end: range.end - 1 });
    }
    return fs.createReadStream(target);
  },
  openWrite: (target): Writable => fs.createWriteStream(target),
  writeText: (target, text) => fs.promises.writeFile(target, text, 'utf8'),
  mkdir: async (target) => {
    await fs.promises.mkdir(target, { recursive: true });
  },
  remove: (target) => fs.promises.rm(target, { recursive: true, force: true }),
  rename: (from, to) => fs.promises.rename(from, to),
};

/** Runs commands as child processes, streaming shell output to `logger`. */
export function createNodeCommandRunner(logger: Logger, env: NodeJS.ProcessEnv = process.env): CommandRunner {
  return {
    shell(command, { cwd, executable, signal }) {
      const [file, args] = shellInvocation(command, executable);
      return new Promise((resolve, reject) => {
        const child = spawn(file, args, { cwd, env, signal, stdio: ['ignore', 'pipe', 'pipe'], windowsVerbatimArguments: file === 'cmd' });
        const forward = (stream: NodeJS.ReadableStream): void => {
          let pending = '';
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => {
            pending += chunk;
            const lines = pending.split(/\r?\n/);
            pending = lines.pop() ?? '';
            for (const line of lines) logger.info(line);
          });
          stream.on('end', () => pending && logger.info(pending));
        };
        forward(child.stdout);
        forward(child.stderr);
        child.on('error', reject);
        child.on('close', (code) => resolve({ exitCode: code ?? 1 }));
      });
    },
    capture(file, args, options = {}) {
      return new Promise<CommandResult>((resolve, reject) => {
        const child = spawn(file, args, { cwd: options.cwd, env, signal: options.signal, stdio: ['ignore', 'pipe', 'pipe'] });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        child.on('error', reject);
        child.on('close', (code) =>
          resolve({ exitCode: code ?? 1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
        );
      });
    },
    async which(program) {
      const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
      for (const folder of (env.PATH ?? '').split(path.delimiter)) {
        if (!folder) continue;
        for (const extension of extensions) {
          const candidate = path.join(folder, program + extension);
          try {
            const stats = await fs.promises.stat(candidate);
            if (stats.isFile()) {
              if (process.platform !== 'win32') await fs.promises.access(candidate, fs.constants.X_OK);
              return candidate;
            }
          } catch {
            // not here; keep looking
          }
        }
      }
      return undefined;
    },
  };
}

/** How the CLI runs an artifact build: through the given shell, else bash/sh (cmd on Windows). */
function shellInvocation(command: string, executable: string | undefined): [string, string[]] {
  const shell = executable ?? (process.platform === 'win32' ? 'cmd' : 'bash');
  if (shell === 'cmd') return ['cmd', ['/d', '/s', '/c', `"${command}"`]];
  return [shell, ['-c', command]];
}
