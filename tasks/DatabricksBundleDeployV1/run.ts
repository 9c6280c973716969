import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveWorkspaceAccess } from '../common/azure-devops/connection';
import { createMessages } from '../common/azure-devops/messages';
import type { TaskContext, TaskOutcome } from '../common/azure-devops/task-context';
import { cliEnvironment, proxyEnvironment } from '../common/bundle/deploy/cli-environment';
import { locateCli, type LocatedCli } from '../common/bundle/deploy/cli-locate';
import { deployBundle, type BundleDeployResult } from '../common/bundle/deploy/deploy';
import type { BundlePlan } from '../common/bundle/deploy/plan-output';
import { prepareBundleFolder, prepareReleaseBundle, type PreparedBundle } from '../common/bundle/deploy/prepare';
import { extractionLimitsFrom, maxBundleSizeVariable } from '../common/bundle/verify';
import { createCliCommandRunner } from '../common/node/cli-command-runner';
import { createCliProgramLocator } from '../common/node/cli-program-locator';
import { createCliToolCache } from '../common/node/cli-tool-cache';
import { nodeBundleFileSystem } from '../common/node/bundle-file-system';
import { parseInputs, parseLockRetry, type DeploySettings } from './inputs';
import { resolveBundlePath } from '../common/node/bundle-path-pattern';
import { cliDownloadUrlVariable, inputNames, outputNames } from './names';
import manifest from './task.json';

const message = createMessages(manifest.messages);

/** Markdown for the run's Extensions tab. */
function summary(settings: DeploySettings, prepared: PreparedBundle, cli: LocatedCli, result: BundleDeployResult): string {
  const rows: Array<[string, string]> = [['Target', `\`${result.deployedTarget}\``]];
  const manifest = prepared.verified?.manifest;
  if (manifest && prepared.verified) {
    rows.push(['Bundle', `${manifest.bundle?.name ?? ''} ${manifest.version ?? ''}`.trim()]);
    rows.push(['Content digest', `\`${prepared.verified.contentDigest}\`${settings.source.kind === 'releaseBundle' && settings.source.expectedDigest ? ' (matches the expected digest)' : ''}`]);
    rows.push(['Files', String(prepared.verified.fileCount)]);
    if (manifest.source?.commit) rows.push(['Source commit', `\`${manifest.source.commit}\``]);
  } else {
    rows.push(['Bundle folder', `\`${prepared.bundleRoot}\``]);
  }
  if (prepared.prebuiltArtifacts.length > 0) rows.push(['Prebuilt artifacts (not rebuilt)', prepared.prebuiltArtifacts.join(', ')]);
  rows.push(['Databricks CLI', `${cli.version} (${cli.source === 'path' ? 'PATH' : cli.source === 'toolCache' ? 'tool cache' : 'downloaded, checksum verified'})`]);
  if (result.deployAttempts > 1) rows.push(['Deploy attempts (lock contention)', String(result.deployAttempts)]);
  if (result.run) {
    const link = result.run.runUrl ? `[${result.run.runId ?? 'run'}](${result.run.runUrl})` : (result.run.runId ?? 'unknown');
    rows.push([`Job \`${settings.runJob}\``, `${link} ${result.run.succeeded ? 'succeeded' : 'failed'}`]);
  }
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  const title = result.action === 'plan' ? 'Bundle plan' : result.action === 'destroy' ? 'Bundle destroyed' : 'Bundle deployment';
  return `## ${title}\n\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${escape(k)} | ${escape(v)} |`).join('\n')}\n${result.plan ? planSection(result.plan) : ''}`;
}

/** The plan as a table of changes plus the CLI's own text; nothing here was deployed. */
function planSection(plan: BundlePlan): string {
  const totals = plan.totals
    ? `${plan.totals.add} to add, ${plan.totals.change} to change, ${plan.totals.delete} to delete, ${plan.totals.unchanged} unchanged`
    : `${plan.changes.length} change(s) read from the CLI's output`;
  const rows = plan.changes.map((change) => `| ${change.action === 'delete' || change.action === 'recreate' ? `**${change.action}**` : change.action} | \`${change.resource}\` |`);
  const table = rows.length > 0 ? `\n| Change | Resource |\n|---|---|\n${rows.join('\n')}\n` : '\nNo resource would change.\n';
  // A fence longer than any backtick run in the CLI's text, so its output cannot close the block.
  const fence = '`'.repeat(Math.max(3, ...[...plan.text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `\n### What a deploy would change\n\n${totals}. Nothing was deployed.\n${table}\n${fence}text\n${plan.text}\n${fence}\n`;
}

/** DatabricksBundleDeploy@1: verify and extract the release bundle, then validate, deploy and optionally run with the Databricks CLI. */
export async function run(context: TaskContext): Promise<TaskOutcome | void> {
  const baseDirectory = context.inputs.variable('System.DefaultWorkingDirectory') ?? process.cwd();
  const settings = parseInputs(context.inputs, baseDirectory);
  const lockRetry = parseLockRetry(context.inputs);
  const workFolder = await fs.promises.mkdtemp(path.join(context.tempDirectory, 'bundle-deploy-'));
  try {
    // Verification comes first: a tampered or unexpected bundle fails before any CLI or workspace call.
    const prepared =
      settings.source.kind === 'releaseBundle'
        ? await prepareReleaseBundle(nodeBundleFileSystem, await resolveBundlePath(inputNames.bundlePath, settings.source.bundlePath), path.join(workFolder, 'bundle'), {
            expectedDigest: settings.source.expectedDigest,
            limits: extractionLimitsFrom(context.inputs.variable(maxBundleSizeVariable)),
            target: settings.target,
            logger: context.logger,
          })
        : await prepareBundleFolder(nodeBundleFileSystem, settings.source.bundleRoot);

    const access = resolveWorkspaceAccess(context, settings.connection);
    const proxy = proxyEnvironment(process.env, context.network?.proxy);
    if (proxy.secret) context.outputs.setSecret(proxy.secret);
    if (proxy.untranslated) context.logger.warn(message('ProxyBypassNotPassed', proxy.untranslated.join(', ')));
    const inheritedEnv = { ...process.env, ...proxy.env };
    const runner = createCliCommandRunner();
    const cli = await locateCli({
      cliVersion: settings.cliVersion,
      env: cliEnvironment(inheritedEnv),
      cwd: prepared.bundleRoot,
      nodePlatform: process.platform,
      nodeArch: process.arch,
      downloadBaseUrl: process.env[cliDownloadUrlVariable] || undefined,
      runner,
      locator: createCliProgramLocator(),
      toolCache: createCliToolCache(context.inputs.variable('Agent.ToolsDirectory') ?? path.join(context.tempDirectory, '_tools')),
      transport: context.transport,
      clock: context.clock,
      logger: context.logger,
      signal: context.signal,
    });

    const result = await deployBundle(
      { action: settings.action, target: settings.target, variables: settings.variables, forceLock: settings.forceLock, autoApprove: settings.autoApprove, runJob: settings.runJob },
      {
        cli: cli.executable,
        bundleRoot: prepared.bundleRoot,
        host: access.host,
        tokens: access.tokens,
        registerSecret: (value) => context.outputs.setSecret(value),
        inheritedEnv,
        runner,
        clock: context.clock,
        logger: context.logger,
        signal: context.signal,
        lockRetry,
      },
    );
    if (result.action === 'deploy') context.outputs.setOutput(outputNames.deployedTarget, result.deployedTarget);
    if (result.run?.runId) context.outputs.setOutput(outputNames.runId, result.run.runId);

    const title = result.action === 'plan' ? 'Bundle plan' : result.action === 'destroy' ? 'Bundle destroyed' : 'Bundle deployment';
    context.outputs.uploadSummary(context.files.writeTemp(`bundle-${result.action}-${settings.target}.md`, summary(settings, prepared, cli, result)), `${title}: ${settings.target}`);
    if (result.plan) {
      const totals = result.plan.totals;
      const described = totals ? `${totals.add} to add, ${totals.change} to change, ${totals.delete} to delete` : `${result.plan.changes.length} change(s)`;
      return { result: 'Succeeded', message: message('Planned', result.deployedTarget, described) };
    }
    if (result.action === 'destroy') return { result: 'Succeeded', message: message('Destroyed', result.deployedTarget) };

    const job = settings.runJob ?? '';
    if (result.run && !result.run.succeeded) {
      return { result: 'Failed', message: message('JobRunFailed', result.deployedTarget, job, result.run.runId ?? 'id unknown', result.run.failure ?? 'see the log') };
    }
    if (result.run) return { result: 'Succeeded', message: message('DeployedAndRan', result.deployedTarget, job, result.run.runId ?? 'id unknown') };
    return { result: 'Succeeded', message: message('Deployed', result.deployedTarget) };
  } finally {
    await fs.promises.rm(workFolder, { recursive: true, force: true });
  }
}
