/**
 * Validates pipeline YAML text with the Azure Pipelines language service against the official
 * service schema patched with this extension's tasks. Every diagnostic counts, warnings included.
 */
import * as path from 'node:path';
import { loadSchema } from './schemas';
import { patchServiceSchema, type TaskManifest } from './pipeline-schema';
import { repoRoot } from './task-bundle';

/** Diagnostics as `<file>:<line>: <message>`; empty when the text is valid. */
export type PipelineValidator = (file: string, text: string) => Promise<string[]>;

/** Builds a validator; `context` is the mocha context (a missing schema skips, or fails under CI). */
export function createPipelineValidator(context: Mocha.Context, tasks: TaskManifest[]): PipelineValidator {
  const schema = patchServiceSchema(loadSchema('azure-pipelines-service-schema.json', context), tasks);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ls = require('azure-pipelines-language-service');
  const service = ls.getLanguageService(() => Promise.resolve(schema), [], null, { resolveRelativePath: (r: string) => r });
  service.configure({ validate: true, schemas: [{ uri: 'file:///service-schema.json', fileMatch: ['*'], schema }] });
  return async (file, text) => {
    const document = ls.TextDocument.create(`file://${file}`, 'azure-pipelines', 1, text);
    // The language service prints debug noise on stdout.
    const log = console.log;
    console.log = () => undefined;
    try {
      const diagnostics: Array<{ message: string; range: { start: { line: number } } }> = await service.doValidation(document, ls.parse(text));
      // Messages listing every valid task name run to kilobytes; the start says enough.
      return diagnostics.map((d) => `${path.relative(repoRoot, file)}:${d.range.start.line + 1}: ${d.message.slice(0, 200)}`);
    } finally {
      console.log = log;
    }
  };
}
