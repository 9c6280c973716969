/**
 * `npm run emulator`: the demo workspace on loopback until Ctrl+C, for trying tasks and pipelines by
 * hand. `EMULATOR_PORT` picks a fixed port (default: a free one).
 */
import { startEmulator } from './server';
import { createDemoWorkspace, demo } from './demo-workspace';

async function main(): Promise<void> {
  const port = process.env.EMULATOR_PORT ? Number(process.env.EMULATOR_PORT) : 0;
  const emulator = await startEmulator({ scenario: createDemoWorkspace().scenario, port });
  const lines = [
    `Databricks workspace emulator (demo workspace) listening on ${emulator.url}`,
    `  Workspace URL:          ${emulator.url}`,
    `  Personal access token:  ${demo.pat}  (${demo.owner}, owns ${demo.model})`,
    `  Reader token:           ${demo.readerPat}  (${demo.reader})`,
    `  OAuth M2M client:       ${demo.servicePrincipal.applicationId} / ${demo.servicePrincipal.oauthSecret}`,
    `  Entra token endpoint:   ${emulator.url}/entra/${demo.servicePrincipal.tenantId}/oauth2/v2.0/token`,
    `  ADO collection URI:     ${emulator.collectionUri}  (System.AccessToken ${demo.systemAccessToken})`,
    `  SQL warehouse id:       ${demo.warehouseId}`,
    `  Jobs:                   ${demo.integrationJob}, ${demo.evaluationJob}`,
    `  Model:                  ${demo.model} (champion v${demo.championVersion}, candidate v${demo.candidateVersion})`,
    'Press Ctrl+C to stop.',
  ];
  console.log(lines.join('\n'));
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
