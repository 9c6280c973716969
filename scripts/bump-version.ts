/**
 * `npm run bump -- <patch|minor|major> [--since <git ref>]`: one command for a release's versions.
 * It raises the extension version (vss-extension.json, package.json and package-lock.json together,
 * which a test keeps in step) and the version of every task whose code changed since the last
 * release, and turns CHANGELOG.md's `## Unreleased` into the new version's heading.
 *
 * A task counts as changed when anything under its folder or under `tasks/common/` (bundled into
 * every agent task) changed since `--since`, by default the tag `v<current version>`. Tasks keep
 * their major version: it is the `Name@1` contract pipelines pin, and a new major is a new task
 * folder. So an extension major or minor release gives changed tasks a new minor, a patch release
 * a new patch. Unchanged tasks keep their version, so the agent does not download them again.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Which part of the extension version to raise. */
export type BumpKind = 'major' | 'minor' | 'patch';

/** A task.json `version`. */
export interface TaskVersion {
  Major: number;
  Minor: number;
  Patch: number;
}

/** `1.2.3` raised by `kind`. */
export function bumpSemver(version: string, kind: BumpKind): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`Version '${version}' is not <major>.<minor>.<patch>`);
  const [major, minor, patch] = match.slice(1).map(Number);
  if (kind === 'major') return `${major + 1}.0.0`;
  if (kind === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** A changed task's new version: same major, a new minor (extension major/minor) or patch. */
export function bumpTaskVersion(version: TaskVersion, kind: BumpKind): TaskVersion {
  return kind === 'patch' ? { ...version, Patch: version.Patch + 1 } : { Major: version.Major, Minor: version.Minor + 1, Patch: 0 };
}

/** Task folders among `changedFiles` (repository paths): its own folder, or all when common code changed. */
export function changedTaskFolders(changedFiles: readonly string[], folders: readonly string[]): string[] {
  if (changedFiles.some((file) => file.startsWith('tasks/common/'))) return [...folders];
  return folders.filter((folder) => changedFiles.some((file) => file.startsWith(`tasks/${folder}/`)));
}

/** CHANGELOG.md with `## Unreleased` renamed to `## <version>` under a fresh, empty `## Unreleased`. */
export function releaseChangelog(text: string, version: string): string {
  if (!/^## Unreleased$/m.test(text)) throw new Error("CHANGELOG.md has no '## Unreleased' section to release");
  return text.replace(/^## Unreleased$/m, `## Unreleased\n\n## ${version}`);
}

function replaceVersionField(text: string, from: string, to: string, occurrences: number): string {
  let count = 0;
  return text.replace(new RegExp(`"version": "${from.replace(/\./g, '\\.')}"`, 'g'), (match) => (count++ < occurrences ? `"version": "${to}"` : match));
}

function main(argv: readonly string[]): void {
  const root = path.resolve(__dirname, '..');
  const kind = argv[0];
  if (kind !== 'major' && kind !== 'minor' && kind !== 'patch') throw new Error(`Usage: npm run bump -- <patch|minor|major> [--since <git ref>] (got '${kind ?? ''}')`);
  const manifestFile = path.join(root, 'vss-extension.json');
  const manifestText = fs.readFileSync(manifestFile, 'utf8');
  const current = String((JSON.parse(manifestText) as { version: string }).version);
  const next = bumpSemver(current, kind);
  const sinceIndex = argv.indexOf('--since');
  const since = sinceIndex >= 0 ? argv[sinceIndex + 1] : `v${current}`;
  const changed = execFileSync('git', ['diff', '--name-only', since, '--', 'tasks'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  const folders = fs.readdirSync(path.join(root, 'tasks')).filter((folder) => /V\d+$/.test(folder) && fs.existsSync(path.join(root, 'tasks', folder, 'task.json')));
  for (const folder of changedTaskFolders(changed, folders)) {
    const file = path.join(root, 'tasks', folder, 'task.json');
    const text = fs.readFileSync(file, 'utf8');
    const version = (JSON.parse(text) as { version: TaskVersion }).version;
    const bumped = bumpTaskVersion(version, kind);
    // Edit the three numbers in place so the rest of the file keeps its layout.
    const updated = text.replace(/("version":\s*\{[^}]*?"Minor":\s*)\d+/, `$1${bumped.Minor}`).replace(/("version":\s*\{[^}]*?"Patch":\s*)\d+/, `$1${bumped.Patch}`);
    fs.writeFileSync(file, updated);
    console.log(`${folder}: ${version.Major}.${version.Minor}.${version.Patch} -> ${bumped.Major}.${bumped.Minor}.${bumped.Patch}`);
  }
  fs.writeFileSync(manifestFile, replaceVersionField(manifestText, current, next, 1));
  const packageFile = path.join(root, 'package.json');
  fs.writeFileSync(packageFile, replaceVersionField(fs.readFileSync(packageFile, 'utf8'), current, next, 1));
  // The lock file repeats the root package's version at the top and under packages[""].
  const lockFile = path.join(root, 'package-lock.json');
  if (fs.existsSync(lockFile)) fs.writeFileSync(lockFile, replaceVersionField(fs.readFileSync(lockFile, 'utf8'), current, next, 2));
  const changelogFile = path.join(root, 'CHANGELOG.md');
  fs.writeFileSync(changelogFile, releaseChangelog(fs.readFileSync(changelogFile, 'utf8'), next));
  console.log(`extension: ${current} -> ${next}; tag the release commit v${next}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
