/**
 * Validation of model reports against `model-report.schema.json` with Ajv, for the tasks (on
 * write) and the tests. The tab bundles a precompiled copy of the same schema instead (see
 * scripts/build-tab.ts), so it carries no schema compiler.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import schema from './model-report.schema.json';
import { describeSchemaErrors } from './model-report';

let compiled: ValidateFunction | undefined;

/** The schema, compiled once. */
export function modelReportValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  return compiled;
}

/** The schema errors of `value`, one line each; empty when it is a valid format-1 report. */
export function validateModelReport(value: unknown): string[] {
  const validate = modelReportValidator();
  return validate(value) ? [] : describeSchemaErrors(validate.errors ?? []);
}
