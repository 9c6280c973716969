import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMessages } from '../common/azure-devops/messages';
import type { TaskContext, TaskInputs, TaskOutcome } from '../common/azure-devops/task-context';
import { formatFinding, type Finding } from '../common/bundle/findings';
import { buildReleaseBundle, failsBuild } from '../common/bundle/release-bundle';
import { manifestEntryName, serializeManifest } from '../common/bundle/manifest';
import { loadBundleSchema } from '../common/bundle/schema-validation';
import { renderBuildSummary, renderVerifySummary } from '../common/bundle/summary';
import { extractionLimitsFrom, maxBundleSizeVariable, verifyBundle } from '../common/bundle/verify';
import { createNodeCommandRunner, nodeBundleFileSystem } from '../common/node/bundle-file-system';
import { resolveBundlePath } from '../common/node/bundle-path-pattern';
import { parseInputs, type BuildInputs, type VerifyInputs } from './inputs';
import { inputNames, outputNames } from './names';
import taskJson from './task.json';

const message = createMessages(taskJson.messages);

/** Log text that came from user files, on one line (the logger neutralises logging commands). */
function safeLine(text: string): string {
  return text.replace(/\r?\n/g, ' ');
}

function writeSummary(context: TaskContext, name: string, markdown: string, title: string): void {
  context.outputs.uploadSummary(context.files.writeTemp(`${name}.md`, markdown), title);
}

function logFindings(context: TaskContext, findings: readonly Finding[]): void {
  for (const finding of findings) {
    const line = safeLine(`${finding.check}: ${formatFinding(finding)}`);
    // Errors go to the log in red and into the result message; warnings become run issues.
    if (finding.severity === 'error') {
      if (context.logger.error) context.logger.error(line);
      else context.logger.info(line);
    }
    else context.logger.warn(line);
  }
}

function sourceFacts(inputs: TaskInputs): { source: Record<string, string>; build: Record<string, string> } {
  const pick = (entries: Array<[string, string | undefined]>): Record<string, string> =>
    Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined));
  const buildId = inputs.variable('Build.BuildId');
  const collection = inputs.variable('System.CollectionUri');
  const project = inputs.variable('System.TeamProject');
  const url = buildId && collection && project ? `${collection.replace(/\/?$/, '/')}${encodeURIComponent(project)}/_build/results?buildId=${buildId}` : undefined;
  return {
    source: pick([
      ['repository', inputs.variable('Build.Repository.Uri') ?? inputs.variable('Build.Repository.Name')],
      ['branch', inputs.variable('Build.SourceBranch')],
      ['commit', inputs.variable('Build.SourceVersion')],
    ]),
    build: pick([
      ['id', buildId],
      ['number', inputs.variable('Build.BuildNumber')],
      ['url', url],
    ]),
  };
}

async function build(context: TaskContext, settings: BuildInputs): Promise<TaskOutcome | void> {
  const runner = createNodeCommandRunner(context.logger);
  const schema = await loadBundleSchema(nodeBundleFileSystem, runner, settings.schemaFile, context.logger, context.signal);
  if (!schema) context.logger.warn(message('NoSchema'));
  const artifactFolder = path.join(settings.outputDirectory, settings.artifactName);
  const { source, build: buildFacts } = sourceFacts(context.inputs);
  const result = await buildReleaseBundle(
    { fs: nodeBundleFileSystem, runner, logger: context.logger, env: process.env, schema: schema?.validator, signal: context.signal },
    {
      bundleRoot: settings.bundleRoot,
      targets: settings.targets,
      variables: settings.variables,
      version: settings.version,
      outputDirectory: artifactFolder,
      strict: settings.strict,
      buildArtifacts: settings.buildArtifacts,
      secretScan: settings.secretScan,
      secretScanAllow: settings.secretScanAllow,
      source,
      build: buildFacts,
    },
  );
  logFindings(context, result.findings);
  writeSummary(context, 'release-bundle-summary', renderBuildSummary(result, schema?.origin), 'Release bundle');
  if (!result.succeeded || !result.bundlePath || !result.manifest || !result.manifestPath) {
    const errors = result.findings.filter((f) => f.severity === 'error');
    const reasons = (errors.length > 0 ? errors : result.findings).slice(0, 10).map((f) => safeLine(formatFinding(f)));
    const strictOnly = errors.length === 0 && failsBuild(result.findings, settings.strict);
    const warnings = result.findings.length - errors.length;
    return {
      result: 'Failed',
      message: strictOnly ? message('BuildFailedStrict', warnings, reasons.join('; ')) : message('BuildFailed', errors.length, warnings, reasons.join('; ')),
    };
  }
  context.outputs.setOutput(outputNames.bundlePath, result.bundlePath);
  context.outputs.setOutput(outputNames.bundleDigest, result.manifest.contentDigest);
  context.outputs.setOutput(outputNames.bundleVersion, result.manifest.version);
  context.outputs.setOutput(outputNames.manifestPath, result.manifestPath);
  if (settings.publishArtifact) context.outputs.uploadArtifact(settings.artifactName, artifactFolder);
  const built = message('Built', path.basename(result.bundlePath), result.fileCount, result.manifest.contentDigest);
  context.logger.info(built);
  const warnings = result.findings.filter((f) => f.severity === 'warning').length;
  const issues = [warnings > 0 ? message('Warnings', warnings) : '', schema ? '' : message('NoSchema')].filter(Boolean);
  return issues.length > 0 ? { result: 'SucceededWithIssues', message: [built, ...issues].join(' ') } : { result: 'Succeeded', message: built };
}

async function verify(context: TaskContext, settings: VerifyInputs): Promise<TaskOutcome | void> {
  const bundlePath = await resolveBundlePath(inputNames.bundlePath, settings.bundlePath);
  const limits = extractionLimitsFrom(context.inputs.variable(maxBundleSizeVariable));
  const verified = await verifyBundle(nodeBundleFileSystem, bundlePath, settings.expectedDigest, limits);
  context.outputs.setOutput(outputNames.bundlePath, bundlePath);
  context.outputs.setOutput(outputNames.bundleDigest, verified.contentDigest);
  context.outputs.setOutput(outputNames.bundleVersion, verified.manifest.version);
  // The manifest beside the zip is not what was verified: point to it only when it is the same text
  // as the zip's own (the build writes both from one serialization), so later steps never read an
  // edited or stale copy as the verified bundle's manifest.
  const beside = path.join(path.dirname(bundlePath), manifestEntryName);
  let issue: string | undefined;
  if (fs.existsSync(beside)) {
    if (fs.readFileSync(beside, 'utf8') === serializeManifest(verified.manifest)) context.outputs.setOutput(outputNames.manifestPath, beside);
    else context.logger.warn((issue = message('ManifestBesideDiffers', beside)));
  }
  writeSummary(context, 'release-bundle-verify-summary', renderVerifySummary(bundlePath, verified, settings.expectedDigest), 'Release bundle verification');
  const verifiedMessage = message('Verified', path.basename(bundlePath), verified.fileCount, verified.contentDigest);
  context.logger.info(verifiedMessage);
  return issue ? { result: 'SucceededWithIssues', message: `${verifiedMessage} ${issue}` } : { result: 'Succeeded', message: verifiedMessage };
}

/** DatabricksReleaseBundle@1: build a release bundle, or verify one. */
export async function run(context: TaskContext): Promise<TaskOutcome | void> {
  const baseDirectory = context.inputs.variable('System.DefaultWorkingDirectory') ?? process.cwd();
  const settings = parseInputs(context.inputs, baseDirectory);
  return settings.command === 'build' ? build(context, settings) : verify(context, settings);
}
