/**
 * The Databricks workspace emulator: a loopback HTTP server that follows the published REST contract,
 * quirks included, so tests of the client, the auth providers and the task bundles run against real
 * HTTP. Start one per test file:
 *
 *   const emulator = await startEmulator({ scenario: { identities: { pats: { 'dapi-test': 'ci@example.com' } } } });
 *   // ... point the code under test at emulator.url ...
 *   await emulator.close();
 *
 * Services: token endpoints (Databricks OAuth, Entra look-alike, Azure DevOps OIDC under
 * `emulator.collectionUri`), Jobs 2.1/2.2, Files API for volumes and workspace reads, Unity Catalog
 * models/aliases, MLflow tracking and UC registry, SQL statements, SCIM `Me`. See README.md, scenario.ts
 * for what a test can seed, faults.ts for injected failures and server.ts for the request log.
 */
export { startEmulator } from './server';
export type { Emulator, EmulatorClock, EmulatorOptions, LoggedAuth, LoggedRequest } from './server';
export type { FaultAction, FaultHandle, FaultRule, TableWriteFault } from './faults';
export { FaultRegistry } from './faults';
export { RateLimiter, defaultRateLimits, rateLimitFamily } from './rate-limits';
export type { RateLimitFamily, RateLimits } from './rate-limits';
export type * from './scenario';
export { WorkspaceState, defaultOwner } from './state';
export type { JobRecord, ModelRecord, ModelVersionRecord, StatementRecord, TableRecord, FileRecord } from './state';
export type { JobRunRecord, TaskRunRecord } from './runs';
export type { TokenKind, TokenRecord } from './tokens';
export { decodeJwtClaims } from './tokens';
export { azureDatabricksResourceId, adoTokenAudience, oidcTokenLocationId } from './routes/auth';
export type { ParsedStatement } from './sql-engine';
