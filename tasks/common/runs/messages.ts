import { createMessages } from '../task/messages';
import manifest from '../../DatabricksIntegrationTestsV1/task.json';

/**
 * What DatabricksIntegrationTests@1 says when it stops: the task result and the errors a pipeline
 * author acts on, as templates with `%s` filled in order. They live only in that task's task.json
 * `messages`, so the manifest documents exactly what the task says; the run code shared with other
 * tasks (evaluation jobs, retraining) says the same.
 */
export const runMessages = manifest.messages;

/** A message of {@link runMessages} with its `%s` filled in order. */
export const runMessage = createMessages(runMessages);
