/**
 * The ports through which release-bundle code reaches the file system and runs commands. The Node
 * adapters live in `tasks/common/node/bundle-*.ts`; tests may pass those or fakes.
 */
import type { Readable, Writable } from 'node:stream';

/** What `lstat`/`stat` report about a path. */
export interface FileInfo {
  kind: 'file' | 'directory' | 'symlink' | 'other';
  /** Size in bytes (files only; 0 otherwise). */
  size: number;
}

/**
 * File access for packing, verifying and extracting bundles. Paths are absolute, in the platform's
 * own form. Reads stream, so memory stays flat however large the files are.
 */
export interface BundleFileSystem {
  /** Entry names of a folder (not sorted). */
  readdir(directory: string): Promise<string[]>;
  /**
   * Entries of a folder with what each is, as `lstat` would say (not sorted): walking a tree of
   * thousands of files costs one call per folder instead of one per file.
   */
  list(directory: string): Promise<Array<{ name: string; kind: FileInfo['kind'] }>>;
  /** Information about the path itself (a symlink is reported as a symlink); undefined when missing. */
  lstat(path: string): Promise<FileInfo | undefined>;
  /** Information about the path, following symlinks; undefined when missing or a dangling link. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** The canonical path with every symlink resolved. */
  realpath(path: string): Promise<string>;
  /** A whole (small) text file, UTF-8. */
  readText(path: string): Promise<string>;
  /**
   * The whole file when it is a regular file of at most `maxBytes`; otherwise only what it is (then
   * read it with `openRead`). One open file per call: packing thousands of small files otherwise
   * paid a lookup and a stream's several round trips each.
   */
  readSmall(path: string, maxBytes: number): Promise<{ info: FileInfo; data?: Buffer } | undefined>;
  /** A stream of the file's bytes, optionally only `[start, end)` . */
  openRead(path: string, range?: { start: number; end: number }): Readable;
  /** Creates or truncates a file for writing; parent folders must exist. */
  openWrite(path: string): Writable;
  writeText(path: string, text: string): Promise<void>;
  /** Creates the folder and its parents; no error when it exists. */
  mkdir(path: string): Promise<void>;
  /** Deletes a file or folder tree; no error when missing. */
  remove(path: string): Promise<void>;
  /** Renames a file, replacing the destination. */
  rename(from: string, to: string): Promise<void>;
}

/** The exit status and captured output of a command. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs external commands: artifact builds and the Databricks CLI. */
export interface CommandRunner {
  /**
   * Runs a shell command line in `cwd` (as the CLI runs `artifacts.*.build`), streaming its output
   * to the log. `executable` is the artifact's `executable` (`bash`, `sh`, `cmd`) when given.
   */
  shell(command: string, options: { cwd: string; executable?: string; signal?: AbortSignal }): Promise<{ exitCode: number }>;
  /** Runs a program with arguments and captures its output (no shell). */
  capture(file: string, args: string[], options?: { cwd?: string; signal?: AbortSignal }): Promise<CommandResult>;
  /** The full path of a program on PATH, or undefined. */
  which(program: string): Promise<string | undefined>;
}
