import assert from 'node:assert/strict';
import { explainFailure, unresolvedVariableHint, withInputLabels } from '../../../tasks/common/task/failure-hints';

const inputs = [
  { name: 'version', label: 'Version' },
  { name: 'rules', label: 'Rules (YAML)' },
  { name: 'rulesFile', label: 'Rules file' },
  { name: 'modelName', label: 'Registered model' },
];

describe('failure hints', () => {
  it('explains an unresolved step output and how to map it across jobs and stages', () => {
    const hint = unresolvedVariableHint("Invalid 'version' '$(compare.candidateVersion)': expected a model version number (a positive integer)");
    assert.ok(hint);
    assert.match(hint, /not resolved/);
    assert.match(hint, /dependencies\.<job>\.outputs\['compare\.candidateVersion'\]/);
    assert.match(hint, /stageDependencies\.<stage>\.<job>\.outputs/);
  });

  it('explains an unresolved plain variable without inventing a step', () => {
    assert.match(unresolvedVariableHint("Invalid 'expectedVersion' '$(modelVersion)': expected a number") ?? '', /'modelVersion' was not resolved/);
    assert.equal(unresolvedVariableHint("Invalid 'version' 'seven': expected a number"), undefined);
  });

  it('names each input also by its classic-editor label, once, and leaves labels equal to the name alone', () => {
    assert.equal(
      withInputLabels("Input 'rules' or 'rulesFile' is required; 'rules' wins.", inputs),
      "Input 'rules' or 'rulesFile' is required; 'rules' wins. (Classic editor: 'rules' is 'Rules (YAML)', 'rulesFile' is 'Rules file'.)",
    );
    assert.equal(withInputLabels("Invalid 'version' '7x'", inputs), "Invalid 'version' '7x'");
    assert.equal(withInputLabels("Invalid 'unknown' 'x'", inputs), "Invalid 'unknown' 'x'");
  });

  it('puts both together for the step result', () => {
    const message = explainFailure("Invalid 'modelName' '$(model)': expected <catalog>.<schema>.<model>", inputs);
    assert.match(message, /^Invalid 'modelName' '\$\(model\)'/);
    assert.match(message, /\(Classic editor: 'modelName' is 'Registered model'\.\)$/);
    assert.match(message, /'model' was not resolved/);
  });
});
