import { runTask } from '../common/azure-devops/run-task';
import { run } from './run';
import manifest from './task.json';

void runTask(manifest, run);
