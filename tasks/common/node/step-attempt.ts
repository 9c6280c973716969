import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const claimed = new Map<string, number>();

/**
 * Claims the next attempt number (1, 2, ...) of the step `stepKey` identifies, by creating the
 * marker file `<directory>/databricks-mlops-step-attempts/<hash>.<n>` exclusively: the first
 * process of a step gets 1, a `retryCountOnTaskFailure` retry (a new process, same environment)
 * gets 2, and so on. `directory` is `Agent.TempDirectory`, which lasts for the job. The number is
 * claimed once per process and key, so every use within one attempt sees the same one.
 * See `runs/idempotency.ts` `stepAttemptVariable`.
 */
export function claimStepAttempt(directory: string, stepKey: string): number {
  const stem = createHash('sha256').update(stepKey, 'utf8').digest('hex').slice(0, 32);
  const folder = path.join(directory, 'databricks-mlops-step-attempts');
  const key = `${folder}/${stem}`;
  const known = claimed.get(key);
  if (known !== undefined) return known;
  fs.mkdirSync(folder, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      fs.writeFileSync(path.join(folder, `${stem}.${attempt}`), '', { flag: 'wx' });
      claimed.set(key, attempt);
      return attempt;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
