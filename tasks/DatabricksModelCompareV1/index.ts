import { runTask } from '../common/azure-devops/run-task';
import { run } from './run';

void runTask({ name: 'DatabricksModelCompare', version: '1.0.0' }, run);
