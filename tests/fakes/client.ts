/** The Databricks client as unit tests build it over a fake transport. */
import { DatabricksApiClient } from '../../tasks/common/databricks/api-client';
import type { HttpTransport } from '../../tasks/common/http/transport';
import { silentLogger, type Clock } from '../../tasks/common/ports';
import { FakeClock } from './clock';
import { StaticTokenProvider } from './tokens';

/** The workspace URL the fake client talks to. */
export const host = 'https://adb-1.2.azuredatabricks.net';

/** A client with a fixed token that retries at once (jitter 0), so retries cost no time. */
export function fakeClient(transport: HttpTransport, clock: Clock = new FakeClock(), identity = 'service principal sp-1'): DatabricksApiClient {
  return new DatabricksApiClient({
    host,
    transport,
    tokens: new StaticTokenProvider('dapi-test', identity),
    clock,
    logger: silentLogger,
    userAgent: 'test',
    retry: { random: () => 0 },
  });
}
