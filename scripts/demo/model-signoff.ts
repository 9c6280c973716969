/**
 * Demo step: manual sign-off of the candidate with DatabricksModelSignOff@1 against an Azure DevOps
 * emulator started for this step. The task requests the sign-off (a work item carrying the evidence),
 * the person who ran the pipeline approves their own model on the board (refused, commented), then
 * an approver re-opens and approves it; the decision lands on the model version's tags and in the
 * audit table.
 */
import { demo } from '../../tests/emulator/demo-workspace';
import { startAdoEmulator } from '../../tests/emulator/ado';
import type { DemoEnvironment } from './environment';

const auditTable = 'main.mlops.decisions';
const systemAccessToken = 'demo-system-access-token';
const requester = 'ada@contoso.com';
const approver = 'grace@contoso.com';
const approverGroup = '[ml-platform]\\Model Approvers';

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`model sign-off demo: ${message}`);
}

/** Requests the sign-off, shows a refused self-approval and an accepted approval. */
export async function demoModelSignOff(env: DemoEnvironment): Promise<void> {
  if (env.shared.decision === 'reject') {
    console.log('  The compare step rejected the candidate: nothing to sign off.');
    return;
  }
  const ado = await startAdoEmulator({
    scenario: {
      project: 'ml-platform',
      systemAccessTokens: [systemAccessToken],
      identities: [
        { name: requester, displayName: 'Ada Lovelace' },
        { name: approver, displayName: 'Grace Hopper' },
        { name: approverGroup, members: [approver, requester] },
      ],
    },
  });
  try {
    const candidate = env.shared.candidateVersion || String(demo.candidateVersion);
    const extra = {
      endpoints: { SystemVssConnection: { url: ado.collectionUri, scheme: 'OAuth', parameters: { AccessToken: systemAccessToken } } },
      variables: { 'System.CollectionUri': ado.collectionUri, 'Build.RequestedForEmail': requester, 'Build.RequestedForId': ado.state.identity(requester).id },
    };
    const inputs = { ...env.connectionInputs, modelName: demo.model, modelVersion: candidate, approvers: approverGroup, auditTable, sqlWarehouseId: demo.warehouseId };
    console.log(`  Azure DevOps emulator: ${ado.collectionUri}`);

    const request = await env.runTask('DatabricksModelSignOffV1', `Request sign-off of ${demo.model} version ${candidate} (a work item with the evidence)`, inputs, extra);
    expect(request.result === 'Succeeded', `the request failed: ${request.resultMessage ?? ''}`);
    const id = Number(request.outputs.signOffId);

    console.log(`\n  On the board: ${requester} (who ran the pipeline) moves work item ${id} to Done.`);
    ado.state.changeState(id, 'Done', requester);
    const wait = await env.runTask('DatabricksModelSignOffV1', 'Wait for the decision (the agentless pattern would run ManualValidation@1 before this)', { ...inputs, action: 'wait', signOffId: String(id), timeoutMinutes: '2' }, {
      ...extra,
      onLine: (line) => {
        // Like a person reading the work item's new comment: re-open it and approve.
        if (line.includes('task.issue') && line.includes('Refused') && ado.state.workItems.get(id)?.fields['System.State'] === 'Done') {
          console.log(`\n  On the board: ${approver} reads the comment, re-opens work item ${id} and approves it.`);
          ado.state.changeState(id, 'In Progress', approver);
          ado.state.changeState(id, 'Done', approver);
        }
      },
    });
    expect(wait.result === 'Succeeded' && wait.outputs.approvedBy === approver, `the approval was not accepted: ${wait.resultMessage ?? ''}`);

    const comments = ado.state.workItems.get(id)?.comments ?? [];
    console.log(`\n  Work item ${id} comments: ${comments.length} (${comments.map((c) => c.text.replace(/<[^>]+>/g, '').slice(0, 100)).join(' | ')})`);
    const tags = env.emulator.state.models.get(demo.model)?.versions.get(Number(candidate))?.tags;
    console.log(`  Model version ${candidate} tags: ${[...(tags ?? new Map<string, string>())].filter(([key]) => key.startsWith('signoff.')).map(([key, value]) => `${key}=${value}`).join(', ')}`);
    env.shared.signOffId = String(id);
  } finally {
    await ado.close();
  }
}
