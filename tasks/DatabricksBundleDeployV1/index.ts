import { runTask } from '../common/azure-devops/run-task';
import { run } from './run';

void runTask({ name: 'DatabricksBundleDeploy', version: '1.0.0' }, run);
