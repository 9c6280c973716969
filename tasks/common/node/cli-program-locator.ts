/** Finds an executable on a PATH value, like `which`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProgramLocator } from '../bundle/deploy/ports';

/** A ProgramLocator over the real file system. */
export function createCliProgramLocator(): ProgramLocator {
  return {
    async which(name, searchPath) {
      for (const folder of searchPath.split(path.delimiter)) {
        if (!folder) continue;
        const candidate = path.resolve(folder, name);
        try {
          const stat = await fs.promises.stat(candidate);
          if (!stat.isFile()) continue;
          if (process.platform !== 'win32') await fs.promises.access(candidate, fs.constants.X_OK);
          return candidate;
        } catch {
          // Not here, or not executable: keep looking, as a shell would.
        }
      }
      return undefined;
    },
  };
}
