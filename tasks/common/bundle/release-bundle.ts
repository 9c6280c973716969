/**
 * Builds a release bundle: resolves and validates every target offline, optionally builds the
 * artifacts once, selects the files as the CLI would sync them, scans them for secrets and packs
 * them with a manifest into one deterministic zip.
 */
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from '../ports';
import type { BundleFileSystem, CommandRunner } from './ports';
import { asMap, child, childAt, stringValue, toPlain, type ConfigNode } from './config-tree';
import { bundleName, declaredTargets, displayPath, loadBundleConfig, resolveTarget, type LoadedBundle, type ResolvedTarget } from './bundle-config';
import { checkTarget } from './semantic-checks';
import { schemaFindings, type BundleSchemaValidator } from './schema-validation';
import { findRepositoryRoot, isInside, selectFiles, type SelectedFile } from './file-selection';
import { dedupeFindings, type Finding } from './findings';
import {
  computeContentDigest,
  manifestEntryName,
  manifestSchemaVersion,
  unsafeEntryReason,
  serializeManifest,
  type AllowedSecretFinding,
  type BundleManifest,
  type ManifestArtifact,
  type ManifestTarget,
} from './manifest';
import { writeDeterministicZip } from './zip-writer';
import { globFiles } from './file-glob';
import { isAllowed, locateLines, StreamingSecretScanner, type SecretAllowance, type SecretHit } from './secret-scan';

/** What to build. */
export interface BuildSettings {
  /** Folder holding `databricks.yml`. */
  bundleRoot: string;
  /** Targets to build; empty: every declared target. */
  targets: string[];
  /** `key=value` variable values (highest precedence). */
  variables: Record<string, string>;
  version: string;
  /** Folder the zip and the manifest are written to. */
  outputDirectory: string;
  /** Warnings fail the build. */
  strict: boolean;
  /** Run `artifacts.*.build` here and pack the outputs. */
  buildArtifacts: boolean;
  secretScan: boolean;
  secretScanAllow: SecretAllowance[];
  source: BundleManifest['source'];
  build: BundleManifest['build'];
}

/** Ports and collaborators of a build. */
export interface BuildDependencies {
  fs: BundleFileSystem;
  runner: CommandRunner;
  logger: Logger;
  /** Environment, for `BUNDLE_VAR_<name>`. */
  env: Readonly<Record<string, string | undefined>>;
  /** The compiled bundle schema, or undefined when none is available. */
  schema?: BundleSchemaValidator;
  signal?: AbortSignal;
}

/** The outcome of a build. A build with errors writes no zip. */
export interface BuildResult {
  succeeded: boolean;
  findings: Finding[];
  targets: string[];
  bundleName?: string;
  bundlePath?: string;
  manifestPath?: string;
  manifest?: BundleManifest;
  fileCount: number;
  /** Uncompressed bytes of the packed files. */
  totalSize: number;
  /** Bytes of the zip. */
  zipSize: number;
  /** Whether the JSON schema was part of validation. */
  schemaChecked: boolean;
}

/** Checks whose warnings `strict` does not turn into failures: they were reviewed on purpose. */
const reviewedChecks = new Set<Finding['check']>(['secret-allowed']);

/** True when these findings fail the build. */
export function failsBuild(findings: readonly Finding[], strict: boolean): boolean {
  return findings.some((f) => f.severity === 'error' || (strict && !reviewedChecks.has(f.check)));
}

/** Builds the release bundle. Throws only for problems outside the bundle (I/O, bad settings). */
export async function buildReleaseBundle(deps: BuildDependencies, settings: BuildSettings): Promise<BuildResult> {
  const { fs, logger } = deps;
  const bundle = await loadBundleConfig(fs, settings.bundleRoot);
  const findings: Finding[] = [...bundle.findings];
  const name = bundleName(bundle);
  const declared = declaredTargets(bundle);
  const requested = settings.targets.length > 0 ? settings.targets : declared;
  const empty = (extra: Partial<BuildResult> = {}): BuildResult => ({
    succeeded: false,
    findings: dedupeFindings(findings),
    targets: requested,
    bundleName: name,
    fileCount: 0,
    totalSize: 0,
    zipSize: 0,
    schemaChecked: deps.schema !== undefined,
    ...extra,
  });
  const rootDisplay = displayPath(bundle.root, bundle.rootFile);
  for (const target of settings.targets) {
    if (!declared.includes(target)) {
      const targetsNode = child(bundle.merged, 'targets') ?? bundle.merged;
      findings.push({
        severity: 'error',
        check: 'unknown-target',
        file: displayPath(bundle.root, targetsNode.loc.file),
        line: targetsNode === bundle.merged ? 0 : targetsNode.loc.line,
        key: `targets.${target}`,
        message: `target '${target}' is not declared${declared.length > 0 ? ` (declared: ${declared.join(', ')})` : ' (the bundle declares no targets)'}`,
      });
    }
  }
  if (!name) findings.push({ severity: 'error', check: 'schema', file: rootDisplay, line: 0, key: 'bundle.name', message: 'the bundle has no name (bundle.name)' });
  const declaredVariables = asMap(child(bundle.merged, 'variables'));
  for (const variable of Object.keys(settings.variables)) {
    // The CLI refuses `--var` for a variable the bundle does not declare.
    if (!declaredVariables?.entries.has(variable)) {
      findings.push({ severity: 'error', check: 'undeclared-variable', file: '(variables input)', line: 0, key: `variables.${variable}`, message: `the variables input sets '${variable}', which the bundle does not declare` });
    }
  }
  if (deps.schema) findings.push(...schemaFindings(bundle, deps.schema));

  const resolved: ResolvedTarget[] = [];
  for (const target of requested.length > 0 ? requested.filter((t) => declared.includes(t)) : [undefined]) {
    const result = resolveTarget(bundle, target, { overrides: settings.variables, env: deps.env });
    findings.push(...result.findings, ...(await checkTarget(fs, bundle, result)));
    resolved.push(result);
  }
  if (failsBuild(findings, settings.strict) || !name) return empty();

  const repositoryRoot = (await findRepositoryRoot(fs, bundle.root)) ?? bundle.root;
  const outputDirectory = path.resolve(settings.outputDirectory);
  const artifacts = await prepareArtifacts(deps, bundle, resolved, settings.buildArtifacts, findings);
  if (failsBuild(findings, settings.strict)) return empty();

  // One zip serves every target, so it holds the union of what each target's sync selects, and
  // its root is the common folder of the sync roots and of every configuration file (an include may
  // sit next to the bundle folder): the deploy reads them all from the extracted zip.
  const syncGroups = new Map<string, ResolvedTarget>();
  for (const target of resolved) syncGroups.set(JSON.stringify(toPlain(child(target.resolved, 'sync') ?? { kind: 'scalar', value: null, loc: target.resolved.loc })), target);
  const syncPathsOf = (target: ResolvedTarget): string[] => stringList(childAt(target.resolved, ['sync', 'paths'])).map((p) => path.resolve(bundle.root, p));
  let root = bundle.root;
  for (const candidate of [...[...syncGroups.values()].flatMap(syncPathsOf), ...bundle.configFiles.map((f) => path.dirname(f)), ...artifacts.outputs.map((f) => path.dirname(f))]) {
    if (isInside(repositoryRoot, candidate)) root = commonAncestor(root, candidate);
  }
  for (const file of bundle.configFiles) {
    if (!isInside(repositoryRoot, file)) {
      findings.push({ severity: 'error', check: 'outside-repository', file: displayPath(bundle.root, file), line: 0, key: 'include', message: `included file is outside the repository ${repositoryRoot}` });
    }
  }
  const files = new Map<string, SelectedFile>();
  for (const target of syncGroups.values()) {
    const sync = child(target.resolved, 'sync');
    const selection = await selectFiles(fs, {
      bundleRoot: bundle.root,
      repositoryRoot,
      root,
      syncPaths: syncPathsOf(target),
      include: stringList(child(sync, 'include')),
      exclude: stringList(child(sync, 'exclude')),
      alwaysInclude: [...bundle.configFiles, ...artifacts.outputs],
      skip: isInside(bundle.root, outputDirectory) || isInside(repositoryRoot, outputDirectory) ? [outputDirectory] : [],
    });
    for (const refused of selection.refused) {
      findings.push({
        severity: 'error',
        check: refused.reason,
        file: displayPath(bundle.root, refused.path),
        line: 0,
        key: refused.reason === 'outside-repository' ? 'sync.paths' : '',
        message: refused.reason === 'symlink-escape' ? 'symlink points outside the repository; refusing to follow it' : refused.detail,
      });
    }
    for (const file of selection.files) files.set(file.source, file);
  }
  if (failsBuild(findings, settings.strict)) return empty();
  const entries = [...new Map([...files.values()].map((f) => [toEntry(root, f.source), f.source])).entries()]
    .map(([entry, source]) => ({ name: entry, sourcePath: source }));
  if (entries.some((e) => e.name === manifestEntryName)) {
    findings.push({ severity: 'error', check: 'schema', file: manifestEntryName, line: 0, key: '', message: `a file named ${manifestEntryName} at the sync root would clash with the bundle manifest` });
    return empty();
  }
  findings.push(...unsafeNameFindings(entries.map((entry) => entry.name)));
  if (findings.some((finding) => finding.check === 'unsafe-name')) return empty();

  const manifestBase: Omit<BundleManifest, 'files' | 'contentDigest' | 'secretScan'> = {
    schemaVersion: manifestSchemaVersion,
    bundle: { name, root: toEntry(root, bundle.root) || '.' },
    version: settings.version,
    source: settings.source,
    build: settings.build,
    targets: Object.fromEntries(resolved.map((t) => [t.name ?? 'default', manifestTarget(t)])),
    artifacts: Object.fromEntries(
      [...artifacts.entries].map(([key, artifact]) => [key, { ...artifact, path: toEntry(root, artifact.path) || '.', files: artifact.files.map((f) => toEntry(root, f)) }]),
    ),
  };

  await fs.mkdir(outputDirectory);
  const zipPath = path.join(outputDirectory, `${safeFileName(name)}-${safeFileName(settings.version)}.zip`);
  const partialPath = `${zipPath}.partial`;
  const manifestPath = path.join(outputDirectory, manifestEntryName);
  const scanners: StreamingSecretScanner[] = [];
  let manifest: BundleManifest | undefined;
  logger.info(`Packing ${entries.length} file(s) from ${root} into ${zipPath}`);
  try {
    await writeDeterministicZip(fs, partialPath, entries, {
      signal: deps.signal,
      observe: settings.secretScan
        ? (entry) => {
            const scanner = new StreamingSecretScanner(entry.name);
            scanners.push(scanner);
            return { chunk: (data) => scanner.chunk(data), end: () => undefined };
          }
        : undefined,
      finalEntry: {
        name: manifestEntryName,
        content: (packed) => {
          // Every file has streamed past its scanner by now, so reviewed hits are known (their
          // lines are not, and are not needed: an allowance is per file and rule).
          const allowed = new Map<string, AllowedSecretFinding>();
          for (const scanner of scanners) {
            for (const hit of scanner.hits()) {
              const candidate = { path: scanner.path, line: 0, rule: hit.rule };
              if (isAllowed(candidate, settings.secretScanAllow)) allowed.set(`${candidate.path}:${candidate.rule}`, { path: candidate.path, rule: candidate.rule });
            }
          }
          manifest = {
            ...manifestBase,
            contentDigest: computeContentDigest(packed),
            secretScan: { enabled: settings.secretScan, allowed: [...allowed.values()] },
            files: packed,
          };
          return Buffer.from(serializeManifest(manifest), 'utf8');
        },
      },
    });
  } catch (error) {
    await fs.remove(partialPath);
    throw error;
  }

  // Secret hits are located (lines) after packing; a blocked one discards the zip.
  const hits: SecretHit[] = [];
  const sourceOf = new Map(entries.map((e) => [e.name, e.sourcePath]));
  for (const scanner of scanners) {
    const found = scanner.hits();
    if (found.length === 0) continue;
    const lines = await locateLines(fs.openRead(sourceOf.get(scanner.path)!), found.map((h) => h.offset));
    found.forEach((hit, index) => hits.push({ path: scanner.path, line: lines[index], rule: hit.rule }));
  }
  for (const hit of hits) {
    const reviewed = isAllowed(hit, settings.secretScanAllow);
    findings.push({
      severity: reviewed ? 'warning' : 'error',
      check: reviewed ? 'secret-allowed' : 'secret',
      file: hit.path,
      line: hit.line,
      key: hit.rule,
      message: reviewed ? `possible secret (${hit.rule}) allowed by secretScanAllow` : `possible secret (${hit.rule}); remove it or allow a reviewed false positive with secretScanAllow '${hit.path}:${hit.rule}'`,
    });
  }
  // The manifest carries resolved configuration and variable values from inputs: scan it too.
  if (settings.secretScan && manifest) {
    const manifestScanner = new StreamingSecretScanner(manifestEntryName);
    const text = Buffer.from(serializeManifest(manifest), 'utf8');
    manifestScanner.chunk(text);
    const found = manifestScanner.hits();
    const lines = await locateLines(Readable.from([text]), found.map((h) => h.offset));
    found.forEach((hit, index) =>
      findings.push({
        severity: 'error',
        check: 'secret',
        file: manifestEntryName,
        line: lines[index],
        key: hit.rule,
        message: `possible secret (${hit.rule}) in the resolved configuration or variable values written to the manifest; pass secrets to the deploy, not the build`,
      }),
    );
  }
  if (failsBuild(findings, settings.strict) || !manifest) {
    await fs.remove(partialPath);
    return empty();
  }
  // A step cancelled while packing must not leave a zip that looks finished.
  if (deps.signal?.aborted) {
    await fs.remove(partialPath);
    throw deps.signal.reason;
  }
  await fs.rename(partialPath, zipPath);
  const finalManifest = manifest as BundleManifest;
  await fs.writeText(manifestPath, serializeManifest(finalManifest));
  const zipInfo = await fs.stat(zipPath);
  return {
    succeeded: true,
    findings: dedupeFindings(findings),
    targets: resolved.map((t) => t.name ?? 'default'),
    bundleName: name,
    bundlePath: zipPath,
    manifestPath,
    manifest: finalManifest,
    fileCount: finalManifest.files.length,
    totalSize: finalManifest.files.reduce((sum, f) => sum + f.size, 0),
    zipSize: zipInfo?.size ?? 0,
    schemaChecked: deps.schema !== undefined,
  };
}

/**
 * Names verify would refuse, found at build so the bundle is never made: unsafe paths (also those
 * a Windows agent cannot write) and names that are one file on a case-insensitive file system.
 */
function unsafeNameFindings(names: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const folded = new Map<string, string>();
  for (const name of names) {
    const reason = unsafeEntryReason(name);
    if (reason) {
      findings.push({ severity: 'error', check: 'unsafe-name', file: name, line: 0, key: '', message: `the file name ${reason}` });
      continue;
    }
    const key = name.normalize('NFC').toLowerCase();
    const earlier = folded.get(key);
    if (earlier !== undefined) {
      findings.push({ severity: 'error', check: 'unsafe-name', file: name, line: 0, key: '', message: `'${name}' and '${earlier}' are one file on Windows and macOS` });
    }
    folded.set(key, name);
  }
  return findings;
}

function manifestTarget(target: ResolvedTarget): ManifestTarget {
  return { ...(target.mode ? { mode: target.mode } : {}), config: toPlain(target.resolved) as Record<string, unknown>, variables: target.variables };
}

function stringList(node: ConfigNode | undefined): string[] {
  return node?.kind === 'seq' ? node.items.map(stringValue).filter((v): v is string => v !== undefined) : [];
}

function toEntry(root: string, full: string): string {
  return path.relative(root, full).split(path.sep).join('/');
}

function commonAncestor(a: string, b: string): string {
  let root = a;
  while (!isInside(root, b)) root = path.dirname(root);
  return root;
}

function safeFileName(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]+/g, '_');
}

interface PreparedArtifacts {
  entries: Map<string, ManifestArtifact>;
  /** Absolute paths of built outputs to pack whatever the sync rules say. */
  outputs: string[];
}

/** Default outputs per artifact type, where the CLI's builds put them. */
const defaultOutputs: Record<string, string> = { whl: 'dist/*.whl', jar: 'target/*.jar' };

/**
 * Artifacts as sources (the deploy builds them, as the CLI does) or, with `buildArtifacts`, built
 * here exactly once each and pinned: the manifest lists their outputs, which the deploy uses as
 * they are.
 */
async function prepareArtifacts(
  deps: BuildDependencies,
  bundle: LoadedBundle,
  targets: ResolvedTarget[],
  build: boolean,
  findings: Finding[],
): Promise<PreparedArtifacts> {
  const entries = new Map<string, ManifestArtifact>();
  const outputs: string[] = [];
  const done = new Map<string, string[]>();
  for (const target of targets) {
    for (const [key, node] of asMap(child(target.resolved, 'artifacts'))?.entries ?? []) {
      const type = stringValue(child(node, 'type'));
      const command = stringValue(child(node, 'build'));
      const relativePath = stringValue(child(node, 'path')) ?? '.';
      const directory = path.resolve(path.dirname(child(node, 'path')?.loc.file ?? bundle.rootFile), relativePath);
      const patterns = stringList(childAt(node, ['files'])?.kind === 'seq' ? fileSources(childAt(node, ['files'])!) : undefined);
      const id = JSON.stringify([key, command, directory, patterns]);
      if (entries.has(key) && done.has(id)) continue;
      if (!build || !command) {
        // Prebuilt files listed without a build command are packed as they are.
        const listed = !command && patterns.length > 0 ? await globAll(deps.fs, directory, patterns) : [];
        outputs.push(...listed);
        entries.set(key, { ...(type ? { type } : {}), path: directory, ...(command ? { build: command } : {}), mode: listed.length > 0 ? 'prebuilt' : 'source', files: listed });
        done.set(id, listed);
        continue;
      }
      let built = done.get(id);
      if (!built) {
        deps.logger.info(`Building artifact '${key}' in ${directory}: ${command}`);
        const executable = stringValue(child(node, 'executable'));
        const { exitCode } = await deps.runner.shell(command, { cwd: directory, executable, signal: deps.signal });
        const loc = child(node, 'build')?.loc ?? node.loc;
        if (exitCode !== 0) {
          findings.push({ severity: 'error', check: 'artifact-build', file: displayPath(bundle.root, loc.file), line: loc.line, key: `artifacts.${key}.build`, message: `the build command exited with code ${exitCode}` });
          built = [];
        } else {
          const wanted = patterns.length > 0 ? patterns : type && defaultOutputs[type] ? [defaultOutputs[type]] : [];
          built = await globAll(deps.fs, directory, wanted);
          if (built.length === 0) {
            findings.push({ severity: 'error', check: 'artifact-build', file: displayPath(bundle.root, loc.file), line: loc.line, key: `artifacts.${key}.files`, message: `the build produced no file matching ${wanted.join(', ') || '(no files pattern)'}` });
          }
        }
        done.set(id, built);
      }
      outputs.push(...built);
      entries.set(key, { ...(type ? { type } : {}), path: directory, build: command, mode: 'prebuilt', files: built });
    }
  }
  return { entries, outputs: [...new Set(outputs)] };
}

function fileSources(files: ConfigNode): ConfigNode {
  return { kind: 'seq', items: files.kind === 'seq' ? files.items.map((item) => child(item, 'source')).filter((n): n is ConfigNode => n !== undefined) : [], loc: files.loc };
}

async function globAll(fs: BundleFileSystem, directory: string, patterns: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const pattern of patterns) for (const file of await globFiles(fs, directory, pattern)) out.add(file);
  return [...out].sort();
}
