import { runTask } from '../common/azure-devops/run-task';
import { run } from './run';

void runTask({ name: 'DatabricksReleaseBundle', version: '1.0.0' }, run);
