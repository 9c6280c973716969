import assert from 'node:assert/strict';
import { cliEnvironment, isConflictingAuthVariable, noProxyEntry, proxyEnvironment } from '../../../../tasks/common/bundle/deploy/cli-environment';
import { bypassesProxy } from '../../../../tasks/common/http/node-transport';

describe('bundle deploy: CLI environment', () => {
  const inherited = {
    PATH: '/usr/bin',
    HOME: '/home/agent',
    DATABRICKS_HOST: 'https://stale.example.net',
    DATABRICKS_TOKEN: 'dapi-stale',
    DATABRICKS_CLIENT_ID: 'sp',
    DATABRICKS_CLIENT_SECRET: 'secret',
    DATABRICKS_CONFIG_PROFILE: 'DEFAULT',
    DATABRICKS_CONFIG_FILE: '/home/agent/.databrickscfg',
    DATABRICKS_AZURE_RESOURCE_ID: '/subscriptions/x',
    DATABRICKS_AUTH_TYPE: 'azure-cli',
    ARM_CLIENT_ID: 'arm-id',
    ARM_CLIENT_SECRET: 'arm-secret',
    ARM_TENANT_ID: 'tenant',
    arm_use_msi: 'true',
    DATABRICKS_TF_EXEC_PATH: '/opt/terraform',
    BUNDLE_VAR_catalog: 'main',
    UNSET: undefined,
  };

  it('removes every inherited credential and pins the resolved host, token and pat auth', () => {
    const env = cliEnvironment(inherited, { host: 'https://adb-1.azuredatabricks.net', token: 'dapi-fresh' });
    assert.deepEqual(env, {
      PATH: '/usr/bin',
      HOME: '/home/agent',
      DATABRICKS_TF_EXEC_PATH: '/opt/terraform',
      BUNDLE_VAR_catalog: 'main',
      DATABRICKS_HOST: 'https://adb-1.azuredatabricks.net',
      DATABRICKS_TOKEN: 'dapi-fresh',
      DATABRICKS_AUTH_TYPE: 'pat',
    });
  });

  it('without credentials gives a clean environment for --version', () => {
    const env = cliEnvironment(inherited);
    assert.equal(env.DATABRICKS_TOKEN, undefined);
    assert.equal(env.ARM_CLIENT_SECRET, undefined);
    assert.equal(env.PATH, '/usr/bin');
  });

  it('treats Terraform and bundle variables as unrelated to identity', () => {
    assert.equal(isConflictingAuthVariable('DATABRICKS_TF_VERSION'), false);
    assert.equal(isConflictingAuthVariable('DATABRICKS_BUNDLE_ENGINE'), false);
    assert.equal(isConflictingAuthVariable('DATABRICKS_GOOGLE_SERVICE_ACCOUNT'), true);
    assert.equal(isConflictingAuthVariable('DATABRICKS_OIDC_TOKEN'), true);
  });
});

describe('bundle deploy: agent proxy for the CLI', () => {
  it('passes the agent proxy with encoded credentials and reports the URL as a secret', () => {
    const result = proxyEnvironment({ PATH: '/usr/bin' }, { proxyUrl: 'http://proxy.contoso.com:8080', proxyUsername: 'svc@contoso', proxyPassword: 'p@ss:word' });
    assert.deepEqual(result, {
      env: { HTTPS_PROXY: 'http://svc%40contoso:p%40ss%3Aword@proxy.contoso.com:8080', HTTP_PROXY: 'http://svc%40contoso:p%40ss%3Aword@proxy.contoso.com:8080' },
      secret: 'http://svc%40contoso:p%40ss%3Aword@proxy.contoso.com:8080',
    });
  });

  it('leaves an explicit proxy setting alone and sets nothing without an agent proxy', () => {
    assert.deepEqual(proxyEnvironment({ https_proxy: 'http://mine:3128' }, { proxyUrl: 'http://proxy:8080' }), { env: {} });
    assert.deepEqual(proxyEnvironment({}, undefined), { env: {} });
    assert.deepEqual(proxyEnvironment({}, { proxyUrl: 'http://proxy:8080' }), { env: { HTTPS_PROXY: 'http://proxy:8080', HTTP_PROXY: 'http://proxy:8080' }, secret: undefined });
  });

  it('passes the bypass list as NO_PROXY where a host entry bypasses no more than the agent does', () => {
    const bypass = ['contoso\\.com', '.*\\.corp\\.example\\.net', 'LOCALHOST', '10\\.1\\.2\\.3', '.*adb-1\\.azuredatabricks\\.net:443', '^https://anchored\\.com', 'host(1|2)\\.com', 'tail\\.com$'];
    const result = proxyEnvironment({ no_proxy: 'already.local' }, { proxyUrl: 'http://proxy:8080', proxyBypassHosts: bypass });
    assert.equal(result.env.NO_PROXY, 'already.local,contoso.com,.corp.example.net,localhost,10.1.2.3,adb-1.azuredatabricks.net:443');
    assert.deepEqual(result.untranslated, ['^https://anchored\\.com', 'host(1|2)\\.com', 'tail\\.com$']);
  });

  it('never bypasses a host in NO_PROXY that the agent would send through the proxy', () => {
    const patterns = ['contoso\\.com', 'contoso.com', '.*\\.corp\\.net', '.*corp\\.net', '10\\.0\\.0\\.1', 'h\\.io:8443', '.*'];
    for (const pattern of patterns) {
      const entry = noProxyEntry(pattern);
      assert.ok(entry, pattern);
      // Every URL the entry lets bypass (the host itself unless it starts with '.', and its subdomains) must match the agent's expression.
      const host = entry.replace(/^\./, '');
      const urls = entry === '*' ? ['https://any.host/'] : [`https://sub.${host}/`, ...(entry.startsWith('.') ? [] : [`https://${host}/`])];
      for (const url of urls) assert.equal(bypassesProxy(url, [pattern]), true, `${pattern} -> ${entry}: ${url}`);
    }
    assert.equal(noProxyEntry('^contoso\\.com'), undefined);
    assert.equal(noProxyEntry('[a-z]+\\.com'), undefined);
  });

  it('adds nothing to an inherited NO_PROXY when the agent has no bypass list', () => {
    assert.deepEqual(proxyEnvironment({ NO_PROXY: 'a.local' }, { proxyUrl: 'http://proxy:8080' }).env, { HTTPS_PROXY: 'http://proxy:8080', HTTP_PROXY: 'http://proxy:8080' });
  });
});
