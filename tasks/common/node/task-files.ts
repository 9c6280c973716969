import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TaskFiles } from '../task/task-context';

/** The Node adapter of {@link TaskFiles}: writes into `directory`, each file under a name of its own. */
export function createTaskFiles(directory: string): TaskFiles {
  return {
    readText: (file) => fs.readFileSync(file, 'utf8'),
    readBytes: (file) => fs.readFileSync(file),
    exists: (file) => fs.existsSync(file),
    async makeTempDirectory(prefix) {
      await fs.promises.mkdir(directory, { recursive: true });
      return fs.promises.mkdtemp(path.join(directory, prefix));
    },
    remove: (target) => fs.promises.rm(target, { recursive: true, force: true }),
    writeTemp(name, content) {
      const extension = path.extname(name);
      const file = path.join(directory, `${path.basename(name, extension)}-${randomUUID().slice(0, 8)}${extension}`);
      fs.mkdirSync(directory, { recursive: true });
      fs.writeFileSync(file, content);
      return file;
    },
  };
}
