import { runTask } from '../common/azure-devops/run-task';
import { taskName, taskVersion } from './names';
import { run } from './run';

void runTask({ name: taskName, version: taskVersion }, run);
