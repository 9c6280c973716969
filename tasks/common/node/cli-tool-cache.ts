/**
 * The agent tool cache on disk, in the layout of the agent's tool installers:
 * `<root>/<tool>/<version>/<arch>/` plus a `<arch>.complete` marker, so hosted-agent images and
 * later runs on a self-hosted agent find and reuse the folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ToolCache, ToolFile } from '../bundle/deploy/ports';

/** A ToolCache rooted at `root` (the agent's `Agent.ToolsDirectory`). */
export function createCliToolCache(root: string): ToolCache {
  const folderOf = (tool: string, version: string, arch: string): string => path.join(root, tool, version, arch);
  return {
    async find(tool, version, arch) {
      const folder = folderOf(tool, version, arch);
      return fs.existsSync(`${folder}.complete`) && fs.existsSync(folder) ? folder : undefined;
    },
    async add(tool, version, arch, files: ToolFile[]) {
      const folder = folderOf(tool, version, arch);
      // Write beside the final folder and rename, so an interrupted install never looks complete.
      const staging = `${folder}.partial-${process.pid}`;
      await fs.promises.rm(staging, { recursive: true, force: true });
      await fs.promises.mkdir(staging, { recursive: true });
      for (const file of files) {
        const relative = path.normalize(file.path);
        if (path.isAbsolute(relative) || relative.split(path.sep).includes('..')) {
          throw new Error(`Refusing to write '${file.path}' outside the tool folder.`);
        }
        const target = path.join(staging, relative);
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        await fs.promises.writeFile(target, file.data, { mode: file.executable ? 0o755 : 0o644 });
      }
      await fs.promises.rm(`${folder}.complete`, { force: true });
      await fs.promises.rm(folder, { recursive: true, force: true });
      await fs.promises.rename(staging, folder);
      await fs.promises.writeFile(`${folder}.complete`, '');
      return folder;
    },
  };
}
