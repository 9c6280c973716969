import assert from 'node:assert/strict';
import { locateCli, type CliLocateOptions } from '../../../../tasks/common/bundle/deploy/cli-locate';
import type { ToolCache } from '../../../../tasks/common/bundle/deploy/ports';
import { silentLogger } from '../../../../tasks/common/ports';
import { ScriptedRunner } from '../../../fakes/command-runners';
import { FakeClock } from '../../../fakes/clock';
import { FakeTransport } from '../../../fakes/transport';

const noNetwork = new FakeTransport(new Error('no network in this test'));

function options(overrides: Partial<CliLocateOptions> & { versionOutput?: string; onPath?: string; cached?: string }): { runner: ScriptedRunner; options: CliLocateOptions } {
  const runner = new ScriptedRunner(() => ({ stdout: overrides.versionOutput ?? 'Databricks CLI v0.250.0\n' }));
  const toolCache: ToolCache = {
    find: (_tool, version) => Promise.resolve(overrides.cached && version === '0.240.0' ? overrides.cached : undefined),
    add: () => Promise.reject(new Error('no install expected')),
  };
  return {
    runner,
    options: {
      env: { PATH: '/agent/bin:/usr/bin' },
      cwd: '/work/bundle',
      nodePlatform: 'linux',
      nodeArch: 'x64',
      runner,
      locator: { which: (name, searchPath) => Promise.resolve(searchPath.includes('/agent/bin') && overrides.onPath ? `/agent/bin/${name}` : undefined) },
      toolCache,
      transport: noNetwork,
      clock: new FakeClock(),
      logger: silentLogger,
      ...overrides,
    },
  };
}

describe('bundle deploy: choosing the CLI', () => {
  it('uses the CLI on PATH when it is new enough', async () => {
    const { runner, options: o } = options({ onPath: 'yes' });
    assert.deepEqual(await locateCli(o), { executable: '/agent/bin/databricks', version: '0.250.0', source: 'path' });
    assert.deepEqual(runner.commands[0].args, ['--version']);
  });

  it('refuses a CLI on PATH that is too old for bundles, or the legacy Python CLI', async () => {
    await assert.rejects(locateCli(options({ onPath: 'yes', versionOutput: 'Databricks CLI v0.212.4\n' }).options), /0\.212\.4; bundles need 0\.218\.0/);
    await assert.rejects(locateCli(options({ onPath: 'yes', versionOutput: 'Version 0.18.0\n' }).options), /did not report a Databricks CLI version/);
  });

  it('explains how to get a CLI when none is on PATH', async () => {
    await assert.rejects(locateCli(options({}).options), /not on PATH.*cliVersion/);
  });

  it('uses a pinned version from the tool cache and checks it reports that version', async () => {
    const { options: o } = options({ cliVersion: '0.240.0', cached: '/tools/databricks/0.240.0/amd64', versionOutput: 'Databricks CLI v0.240.0\n' });
    assert.deepEqual(await locateCli(o), { executable: '/tools/databricks/0.240.0/amd64/databricks', version: '0.240.0', source: 'toolCache' });
    const mismatch = options({ cliVersion: '0.240.0', cached: '/tools/databricks/0.240.0/amd64', versionOutput: 'Databricks CLI v0.241.0\n' });
    await assert.rejects(locateCli(mismatch.options), /reports 0\.241\.0, not the pinned 0\.240\.0/);
  });

  it('rejects a pinned version older than bundle support', async () => {
    await assert.rejects(locateCli(options({ cliVersion: '0.200.0' }).options), /need the Databricks CLI 0\.218\.0 or newer/);
  });
});
