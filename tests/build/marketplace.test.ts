/**
 * What a Marketplace visitor and a classic-editor user see: links that lead to the documentation,
 * a license and changelog in the package, naming that does not pass for a Databricks product, and a
 * "More information" link at the end of every task's help that lands on its README section.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonObject } from '../../scripts/manifest/checks';
import { contentPaths, readJson, repoRoot, sourceTaskFolders } from '../../scripts/manifest/files';

const manifest = readJson(path.join(repoRoot, 'vss-extension.json'));
const repository = String((manifest.repository as JsonObject | undefined)?.uri);

/** GitHub's anchor for a Markdown heading. */
function githubSlug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
}

describe('Marketplace listing', () => {
  it('names a git repository and links getstarted, support and license inside it', () => {
    assert.match(repository, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
    assert.equal((manifest.repository as JsonObject).type, 'git');
    const links = manifest.links as Record<string, { uri: string }>;
    for (const key of ['getstarted', 'support', 'license']) assert.ok(links[key]?.uri.startsWith(`${repository}`), `links.${key}`);
    const branding = manifest.branding as JsonObject;
    assert.match(String(branding.color), /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(String(branding.theme)));
  });

  it('packs overview, LICENSE and CHANGELOG.md as content, and they exist', () => {
    assert.deepEqual(contentPaths(manifest).sort(), ['CHANGELOG.md', 'LICENSE', 'overview.md']);
    for (const file of contentPaths(manifest)) assert.ok(fs.existsSync(path.join(repoRoot, file)), file);
    assert.match(fs.readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## ${String(manifest.version).replace(/\./g, '\\.')}$`, 'm'));
  });

  it('overview.md links to the documentation in the repository', () => {
    const overview = fs.readFileSync(path.join(repoRoot, 'overview.md'), 'utf8');
    assert.ok(overview.includes(`](${repository}#readme)`));
  });

  it('does not present itself as a Databricks product (name, publisher, id, task authors)', () => {
    const official = /^databricks\b/i;
    for (const field of ['name', 'publisher', 'id']) assert.doesNotMatch(String(manifest[field]), official, field);
    for (const folder of sourceTaskFolders()) {
      const author = String(readJson(path.join(repoRoot, 'tasks', folder, 'task.json')).author);
      assert.doesNotMatch(author, official, `${folder} author`);
    }
  });

  it('files the release bundle under Package, as the task catalogue groups packaging tasks', () => {
    assert.equal(readJson(path.join(repoRoot, 'tasks', 'DatabricksReleaseBundleV1', 'task.json')).category, 'Package');
  });

  it("ends every task's helpMarkDown with a link to its README section", () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const anchors = new Set([...readme.matchAll(/^#{2,4} (.+)$/gm)].map((match) => githubSlug(match[1])));
    for (const folder of sourceTaskFolders()) {
      const task = readJson(path.join(repoRoot, 'tasks', folder, 'task.json'));
      const link = /\[More information\]\(([^)#]+)#([^)]+)\)$/.exec(String(task.helpMarkDown));
      assert.ok(link, `${folder}: helpMarkDown does not end with [More information](<repository>#<section>)`);
      assert.equal(link[1], repository, folder);
      assert.ok(anchors.has(link[2]), `${folder}: README has no heading with anchor #${link[2]}`);
      assert.ok(link[2].startsWith(String(task.name).toLowerCase()), `${folder}: #${link[2]} is not its own section`);
    }
  });
});
