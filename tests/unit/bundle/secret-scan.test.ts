import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { locateLines, parseSecretAllowances, StreamingSecretScanner } from '../../../tasks/common/bundle/secret-scan';
import { buildReleaseBundle } from '../../../tasks/common/bundle/release-bundle';
import { formatFinding } from '../../../tasks/common/bundle/findings';
import { buildDeps, buildSettings, fakeSecrets, removeTree, tempDir, writeTree } from './helpers';

describe('secret scan', () => {
  const scan = (name: string, chunks: string[]) => {
    const scanner = new StreamingSecretScanner(name);
    for (const chunk of chunks) scanner.chunk(Buffer.from(chunk, 'latin1'));
    return scanner.hits().map((h) => h.rule);
  };

  it('recognises each rule', () => {
    assert.deepEqual(scan('a.py', [`token = "${fakeSecrets.databricksToken}"`]), ['databricks-token']);
    assert.deepEqual(scan('k.pem', [fakeSecrets.privateKey]), ['private-key']);
    assert.deepEqual(scan('c.txt', [fakeSecrets.storageKey]), ['storage-account-key']);
    assert.deepEqual(scan('e.json', [`{"secret": "${fakeSecrets.entraSecret}"}`]), ['entra-client-secret']);
    assert.deepEqual(scan('conf/.databrickscfg', ['[DEFAULT]\nhost = https://x\n']), ['databrickscfg']);
  });

  it('ignores look-alikes: placeholders, short values and public keys', () => {
    assert.deepEqual(scan('a.md', ['token: dapi<your-token>', 'AccountKey=<key>', '-----BEGIN PUBLIC KEY-----', 'dapi1234', 'see Q~ here']), []);
  });

  it('finds a secret split across chunk boundaries, once', () => {
    const text = `x = 1\n${'y'.repeat(100)}\nt = "${fakeSecrets.databricksToken}"\n`;
    const cut = text.indexOf('dapi') + 10;
    assert.deepEqual(scan('a.py', [text.slice(0, cut), text.slice(cut)]), ['databricks-token']);
    assert.deepEqual(scan('a.py', [...text].map((c) => c)), ['databricks-token']);
  });

  it('turns offsets into line numbers', async () => {
    const text = `one\ntwo\nthree ${fakeSecrets.databricksToken}\nfour\n`;
    const scanner = new StreamingSecretScanner('a.py');
    scanner.chunk(Buffer.from(text));
    const lines = await locateLines(Readable.from([Buffer.from(text.slice(0, 5)), Buffer.from(text.slice(5))]), scanner.hits().map((h) => h.offset));
    assert.deepEqual(lines, [3]);
  });

  it('parses allowances and rejects unknown rules', () => {
    assert.deepEqual(parseSecretAllowances('secretScanAllow', 'docs/example.md:databricks-token\n# reviewed 2026-11\n\n./tests/keys/test.pem : private-key'), [
      { path: 'docs/example.md', rule: 'databricks-token' },
      { path: 'tests/keys/test.pem', rule: 'private-key' },
    ]);
    assert.throws(() => parseSecretAllowances('secretScanAllow', 'docs/example.md:password'), /^Error: Invalid 'secretScanAllow' 'docs\/example.md:password': expected <path>:<rule> lines with a rule among databricks-token, /);
  });

  describe('in a build', () => {
    let tmp: string;
    beforeEach(() => (tmp = tempDir()));
    afterEach(() => removeTree(tmp));

    const files = (): Record<string, string> => ({
      'bundle/databricks.yml': 'bundle:\n  name: leaky\n',
      'bundle/src/config.py': `HOST = "https://adb.example"\n\nTOKEN = "${fakeSecrets.databricksToken}"\n`,
      'bundle/keys/deploy.pem': `${fakeSecrets.privateKey}\n`,
      'bundle/notes/storage.txt': `connection:\n${fakeSecrets.storageKey}\n`,
      'bundle/app/settings.json': `{\n  "clientSecret": "${fakeSecrets.entraSecret}"\n}\n`,
      'bundle/.databrickscfg': '[DEFAULT]\nhost = https://adb.example\n',
    });

    it('refuses to build, names file, line and rule, never the value, and leaves no zip', async () => {
      writeTree(tmp, files());
      const messages: string[] = [];
      const logger = { debug: (m: string) => messages.push(m), info: (m: string) => messages.push(m), warn: (m: string) => messages.push(m) };
      const result = await buildReleaseBundle(buildDeps({ logger }), buildSettings(path.join(tmp, 'bundle'), path.join(tmp, 'out')));
      assert.equal(result.succeeded, false);
      const secrets = result.findings.filter((f) => f.check === 'secret').map((f) => `${f.file}:${f.line}:${f.key}`);
      assert.deepEqual(secrets, ['.databrickscfg:1:databrickscfg', 'app/settings.json:2:entra-client-secret', 'keys/deploy.pem:1:private-key', 'notes/storage.txt:2:storage-account-key', 'src/config.py:3:databricks-token']);
      const everything = JSON.stringify(result) + messages.join('\n') + result.findings.map(formatFinding).join('\n');
      for (const value of [fakeSecrets.databricksToken, 'MIIEowIBAAKCAQEA', 'Zm9vYmFy', fakeSecrets.entraSecret]) assert.equal(everything.includes(value), false, value);
      assert.deepEqual(fs.existsSync(path.join(tmp, 'out')) ? fs.readdirSync(path.join(tmp, 'out')) : [], []);
    });

    it('lets a listed path and rule through, reported and recorded in the manifest', async () => {
      writeTree(tmp, { 'bundle/databricks.yml': 'bundle:\n  name: docs\n', 'bundle/docs/example.md': `Example: ${fakeSecrets.databricksToken}\n` });
      const result = await buildReleaseBundle(
        buildDeps(),
        buildSettings(path.join(tmp, 'bundle'), path.join(tmp, 'out'), { secretScanAllow: parseSecretAllowances('secretScanAllow', 'docs/example.md:databricks-token') }),
      );
      assert.equal(result.succeeded, true);
      assert.deepEqual(result.findings.map((f) => [f.check, f.severity, f.file, f.line]), [['secret-allowed', 'warning', 'docs/example.md', 1]]);
      assert.deepEqual(result.manifest?.secretScan, { enabled: true, allowed: [{ path: 'docs/example.md', rule: 'databricks-token' }] });
      // A reviewed finding does not fail a strict build.
      removeTree(path.join(tmp, 'out'));
      const strict = await buildReleaseBundle(
        buildDeps(),
        buildSettings(path.join(tmp, 'bundle'), path.join(tmp, 'out'), { strict: true, secretScanAllow: parseSecretAllowances('secretScanAllow', 'docs/example.md:databricks-token') }),
      );
      assert.equal(strict.succeeded, true);
    });

    it('refuses a secret that reaches the manifest through a variable value', async () => {
      writeTree(tmp, {
        'bundle/databricks.yml': 'bundle:\n  name: vars\nvariables:\n  token:\n    default: none\nresources:\n  jobs:\n    j:\n      name: j\n      parameters:\n        - name: t\n          default: ${var.token}\n',
      });
      const result = await buildReleaseBundle(buildDeps(), buildSettings(path.join(tmp, 'bundle'), path.join(tmp, 'out'), { variables: { token: fakeSecrets.databricksToken } }));
      assert.equal(result.succeeded, false);
      // Once in the resolved job parameter, once in the target's variable values.
      assert.deepEqual(result.findings.map((f) => [f.check, f.file, f.key]), [
        ['secret', 'manifest.json', 'databricks-token'],
        ['secret', 'manifest.json', 'databricks-token'],
      ]);
      assert.equal(JSON.stringify(result).includes(fakeSecrets.databricksToken), false);
    });

    it('packs everything when the scan is off', async () => {
      writeTree(tmp, files());
      const result = await buildReleaseBundle(buildDeps(), buildSettings(path.join(tmp, 'bundle'), path.join(tmp, 'out'), { secretScan: false }));
      assert.equal(result.succeeded, true);
      assert.equal(result.manifest?.secretScan.enabled, false);
    });
  });
});
