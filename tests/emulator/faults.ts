/**
 * Fault injection. A rule matches requests by method and path and applies a fault a limited number
 * of times, so a test can say "the next two runs/get calls get 429 with Retry-After: 1" and then
 * prove the client recovered. Table write failures are separate because they match a table, not a
 * route: the statement itself returns FAILED, as a real warehouse does.
 */

/** What happens to a matched request. */
export type FaultAction =
  /** An error status; `retryAfter` in seconds, or a date sent as an HTTP date. */
  | { kind: 'status'; status: number; retryAfter?: number | Date | string; body?: unknown; headers?: Record<string, string> }
  /** The socket is destroyed without any response (connection reset). */
  | { kind: 'drop' }
  /** The request is answered normally after `ms` milliseconds. */
  | { kind: 'delay'; ms: number }
  /** `200` with `Content-Type: application/json` and a body that is not JSON. */
  | { kind: 'malformed' }
  /** The bearer token of this request expires now, so this and later requests with it get 401. */
  | { kind: 'expireToken' };

/** A fault rule: which requests, how often, what happens. */
export type FaultRule = FaultAction & {
  /** HTTP method; any when omitted. */
  method?: string;
  /** Exact path (no query), or a pattern tested against the path. */
  path: string | RegExp;
  /** How many matching requests get the fault. Default 1; `Infinity` for all. */
  times?: number;
};

/** A registered rule, for checking how often it fired and for removing it. */
export interface FaultHandle {
  readonly rule: FaultRule;
  /** Requests the fault was applied to. */
  readonly hits: number;
  readonly remaining: number;
  remove(): void;
}

/** Makes writes (INSERT) to a table fail. */
export interface TableWriteFault {
  /** Three-part table name (case-insensitive). */
  table: string;
  times?: number;
  errorCode?: string;
  message?: string;
}

interface ActiveRule {
  rule: FaultRule;
  hits: number;
  remaining: number;
}

/** The emulator's fault rules. */
export class FaultRegistry {
  private rules: ActiveRule[] = [];
  private tableFaults: Array<TableWriteFault & { remaining: number }> = [];

  /** Adds a rule; rules are tried in the order they were added. */
  add(rule: FaultRule): FaultHandle {
    const active: ActiveRule = { rule, hits: 0, remaining: rule.times ?? 1 };
    this.rules.push(active);
    return {
      rule,
      get hits() {
        return active.hits;
      },
      get remaining() {
        return active.remaining;
      },
      remove: () => {
        this.rules = this.rules.filter((r) => r !== active);
      },
    };
  }

  /** Makes the next `times` (default: all) INSERTs into `table` fail with status.state FAILED. */
  failTableWrites(fault: TableWriteFault): void {
    this.tableFaults.push({ ...fault, remaining: fault.times ?? Infinity });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
    this.tableFaults = [];
  }

  /** The fault for this request, consuming one use of its rule. */
  take(method: string, path: string): FaultAction | undefined {
    for (const active of this.rules) {
      if (active.remaining <= 0) continue;
      const { rule } = active;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      const matches = typeof rule.path === 'string' ? rule.path === path : rule.path.test(path);
      if (!matches) continue;
      active.remaining -= 1;
      active.hits += 1;
      return rule;
    }
    return undefined;
  }

  /** The failure for a write to `table`, consuming one use. */
  takeTableWrite(table: string): { errorCode: string; message: string } | undefined {
    const fault = this.tableFaults.find((f) => f.remaining > 0 && f.table.toLowerCase() === table.toLowerCase());
    if (!fault) return undefined;
    fault.remaining -= 1;
    return {
      errorCode: fault.errorCode ?? 'INTERNAL_ERROR',
      message: fault.message ?? `[DELTA_CONCURRENT_APPEND] Write to ${table} failed (injected fault)`,
    };
  }
}
