/**
 * Deploying a bundle built with `buildArtifacts: true` without rebuilding its artifacts.
 *
 * The CLI builds an artifact only when its `build` command is non-empty; with an empty `build` it
 * uploads the artifact's `files` as they are. The release bundle holds the build outputs, and the
 * manifest lists them per artifact (`mode: prebuilt`). So, after verification, the deploy task
 * writes one extra configuration file into the extracted bundle root that sets `build: ""` for
 * each prebuilt artifact (at the top level and in the deployed target, since a target may
 * override `build`), gives it the packed outputs as `files` when its configuration named none,
 * and adds that file to the root configuration's `include` list. The CLI merges included files
 * over the root, and a later string replaces an earlier one, so the override wins; `files` lists
 * would be concatenated, which is why they are added only where none existed. Nothing else in
 * the verified files changes.
 */
import * as path from 'node:path';
import { parseDocument, YAMLSeq, stringify } from 'yaml';

/** Name of the generated configuration file, in the bundle root. */
export const prebuiltOverlayFileName = 'release-bundle.prebuilt-artifacts.yml';

/** Root configuration file names the CLI looks for, in its order. */
export const rootConfigFileNames = ['databricks.yml', 'databricks.yaml', 'bundle.yml', 'bundle.yaml'] as const;

/** What the overlay needs to know about one artifact (from the manifest). */
export interface PrebuiltArtifact {
  name: string;
  /** Packed outputs, zip entry names (relative to the extraction folder, `/`-separated). */
  files: string[];
  /** Whether the artifact's own configuration (for the deployed target) already lists `files`. */
  configuredFiles: boolean;
}

/**
 * The overlay file's text, or undefined when no artifact is prebuilt. `extractionRoot` is the
 * absolute folder the zip was extracted into: the CLI keeps absolute `files[].source` as they are,
 * whichever file defined the artifact.
 */
export function prebuiltOverlay(artifacts: readonly PrebuiltArtifact[], target: string, extractionRoot: string, targetDeclared: boolean): string | undefined {
  if (artifacts.length === 0) return undefined;
  const topLevel: Record<string, Record<string, unknown>> = {};
  const targetLevel: Record<string, Record<string, unknown>> = {};
  for (const artifact of [...artifacts].sort((a, b) => a.name.localeCompare(b.name))) {
    const entry: Record<string, unknown> = { build: '' };
    if (!artifact.configuredFiles) {
      entry.files = artifact.files.map((file) => ({ source: path.join(extractionRoot, ...file.split('/')) }));
    }
    topLevel[artifact.name] = entry;
    targetLevel[artifact.name] = { build: '' };
  }
  const config: Record<string, unknown> = { artifacts: topLevel };
  // Only a target the bundle declares gets an override: the overlay must never create a target.
  if (targetDeclared) config.targets = { [target]: { artifacts: targetLevel } };
  return (
    '# Written by DatabricksBundleDeploy@1 after verifying the release bundle: these artifacts were built\n' +
    '# once when the bundle was made and are deployed as packed, without running their build again.\n' +
    stringify(config)
  );
}

/** The root configuration with `fileName` appended to its `include` list (comments and layout kept). */
export function addInclude(rootConfigText: string, fileName: string): string {
  const document = parseDocument(rootConfigText);
  if (document.errors.length > 0) throw new Error(`The bundle's root configuration is not valid YAML: ${document.errors[0].message}`);
  const include = document.get('include');
  if (include === undefined || include === null) {
    document.set('include', document.createNode([fileName]));
  } else if (include instanceof YAMLSeq) {
    if (!include.items.some((item) => String((item as { value?: unknown }).value ?? item) === fileName)) include.add(fileName);
  } else {
    throw new Error("The bundle's root configuration has an 'include' that is not a list.");
  }
  return document.toString();
}
