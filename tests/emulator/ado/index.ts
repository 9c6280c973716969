/**
 * The Azure DevOps emulator: Azure Boards work items, identities and pull-request threads on loopback,
 * served the way azure-devops-node-api calls them (resource areas, location lists, then the REST
 * routes). See README.md.
 */
export { startAdoEmulator } from './server';
export type { AdoEmulator, AdoEmulatorOptions, AdoLoggedRequest } from './server';
export { AdoState, identityRef } from './state';
export type { AdoScenario, AdoScenarioIdentity, ScriptedChange, WorkItemRecord, IdentityRecord, UpdateRecord, ThreadRecord } from './state';
export { adoLocations, adoAreaIds } from './routes/discovery';
