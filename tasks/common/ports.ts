/**
 * Small interfaces through which core code reaches the outside world. Adapters in
 * `azure-devops/` and `http/node-transport.ts` implement them for the agent; tests pass fakes.
 */

/** Where log lines go. Implementations must never receive a secret that was not registered first. */
export interface Logger {
  /** Shown only when the pipeline runs with `system.debug`. */
  debug(message: string): void;
  info(message: string): void;
  /** A warning that appears in the run's issues list. */
  warn(message: string): void;
  /**
   * A line shown in red in the log, not an issue (the run's result carries the error). Optional:
   * callers fall back to `info`.
   */
  error?(message: string): void;
}

/** Wall-clock time and waiting, injected so tests run on a simulated clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A logger that drops everything; for tests and for optional logging. */
export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** Registers a value that must be masked in every later log line (task-lib `setSecret`). */
export type SecretRegistrar = (value: string) => void;
