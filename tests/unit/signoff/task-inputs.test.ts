import assert from 'node:assert/strict';
import { parseInputs, readAzureDevOpsJob } from '../../../tasks/DatabricksModelSignOffV1/inputs';
import * as names from '../../../tasks/DatabricksModelSignOffV1/names';
import type { ServiceEndpoint, TaskInputs } from '../../../tasks/common/azure-devops/task-context';
import { agentInputs as inputs, checkDecidingTaskManifest, readTaskManifest } from '../audit/deciding-task';

const base = { connectionType: 'databricks', databricksConnection: 'conn', modelName: 'main.ml.churn', modelVersion: '7', approvers: 'alice@contoso.com' };

describe('DatabricksModelSignOff inputs', () => {
  it('declares every input and output the code reads, with the code defaults and the common inputs', () => {
    checkDecidingTaskManifest(readTaskManifest('DatabricksModelSignOffV1'), names);
  });

  it('parses a request with the defaults', () => {
    const settings = parseInputs(inputs(base));
    assert.equal(settings.action, 'request');
    assert.equal(settings.modelVersion, 7);
    assert.equal(settings.workItemType, 'Task');
    assert.deepEqual(settings.approvedStates, ['Done']);
    assert.deepEqual(settings.rejectedStates, ['Removed']);
    assert.equal(settings.timeoutMs, 60 * 60_000);
    assert.equal(settings.onTimeout, 'reject');
    assert.equal(settings.allowRequesterApproval, false);
    assert.equal(settings.signOffId, undefined);
  });

  it('refuses bad inputs with the input named and the value quoted', () => {
    assert.throws(() => parseInputs(inputs({ ...base, approvers: '' })), /Input 'approvers' is required/);
    assert.throws(() => parseInputs(inputs({ ...base, action: 'wait' })), /Input 'signOffId' is required when 'action' is wait/);
    assert.throws(() => parseInputs(inputs({ ...base, action: 'wait', signOffId: 'abc' })), /Invalid 'signOffId' 'abc'/);
    assert.throws(() => parseInputs(inputs({ ...base, timeoutMinutes: '0' })), /Invalid 'timeoutMinutes' '0'/);
    assert.throws(() => parseInputs(inputs({ ...base, rejectedStates: 'Done' })), /Invalid 'rejectedStates' 'Done'/);
    assert.throws(() => parseInputs(inputs({ ...base, onTimeout: 'later' })), /'onTimeout'/);
    assert.throws(() => parseInputs(inputs({ ...base, modelVersion: 'v7' })), /Invalid 'modelVersion' 'v7'/);
  });

  it('reads the job token, the run and the requester from SystemVssConnection and System variables', () => {
    const endpoint: ServiceEndpoint = { id: 'SystemVssConnection', url: 'https://dev.azure.com/org/', scheme: 'OAuth', param: (key) => (key === 'AccessToken' ? 'tok' : undefined), data: () => undefined };
    const variables: Record<string, string> = { 'System.TeamProject': 'Fabrikam', 'Build.BuildId': '12', 'Build.RequestedForId': 'r-1', 'Build.RequestedForEmail': 'rita@contoso.com', 'Build.Repository.ID': 'repo', 'System.PullRequest.PullRequestId': '5' };
    const source: TaskInputs = { get: () => undefined, variable: (name) => variables[name], endpoint: (id) => (id === 'SystemVssConnection' ? endpoint : undefined) };
    assert.deepEqual(readAzureDevOpsJob(source), {
      collectionUri: 'https://dev.azure.com/org/',
      accessToken: 'tok',
      project: 'Fabrikam',
      runKey: 'build-12',
      buildArtifactUri: 'vstfs:///Build/Build/12',
      requester: { id: 'r-1', uniqueName: 'rita@contoso.com' },
      pullRequest: { repositoryId: 'repo', id: 5 },
    });
    assert.throws(() => readAzureDevOpsJob({ ...source, endpoint: () => undefined }), /job access token is not available/);
  });
});
