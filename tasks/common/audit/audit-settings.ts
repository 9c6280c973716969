import { invalidInput, parseBooleanInput } from '../task/input-parsing';
import type { TaskInputs } from '../task/task-context';

/** Input names of the common audit inputs (see `audit-inputs.json`, copied verbatim into each deciding task). */
export const auditInputNames = {
  auditTable: 'auditTable',
  sqlWarehouseId: 'sqlWarehouseId',
  auditRequired: 'auditRequired',
} as const;

/** A validated three-part table name. */
export interface AuditTableName {
  catalog: string;
  schema: string;
  table: string;
  /** `` `catalog`.`schema`.`table` ``, safe to put into SQL text. */
  quoted: string;
}

/** Where and how strictly decisions are recorded. */
export type AuditSettings =
  | { enabled: false }
  | {
      enabled: true;
      table: AuditTableName;
      warehouseId: string;
      /** A failed write fails the task (true) or only warns (false). */
      required: boolean;
    };

// Unquoted-style identifiers only: letters, digits, underscores and hyphens. Anything else (dots,
// backticks, quotes, spaces, semicolons) could escape the quoting, so it is refused outright.
const identifierPart = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/;

/** Validates `<catalog>.<schema>.<table>` and quotes each part with backticks. */
export function parseAuditTableName(inputName: string, value: string): AuditTableName {
  const parts = value.trim().split('.');
  if (parts.length !== 3 || !parts.every((part) => identifierPart.test(part))) {
    throw invalidInput(inputName, value, '<catalog>.<schema>.<table> made of letters, digits, underscores and hyphens');
  }
  const [catalog, schema, table] = parts;
  return { catalog, schema, table, quoted: parts.map((part) => `\`${part}\``).join('.') };
}

const warehouseIdPattern = /^[A-Za-z0-9]+$/;

/**
 * Reads `auditTable`, `sqlWarehouseId` and `auditRequired`. With neither table nor warehouse the
 * record is off; one without the other is an error rather than a silently skipped record.
 */
export function parseAuditInputs(inputs: Pick<TaskInputs, 'get'>): AuditSettings {
  const tableValue = inputs.get(auditInputNames.auditTable);
  const warehouseId = inputs.get(auditInputNames.sqlWarehouseId);
  const required = parseBooleanInput(auditInputNames.auditRequired, inputs.get(auditInputNames.auditRequired), true);
  if (tableValue === undefined && warehouseId === undefined) return { enabled: false };
  if (tableValue === undefined) {
    throw new Error(`Input '${auditInputNames.auditTable}' is required when '${auditInputNames.sqlWarehouseId}' is set.`);
  }
  if (warehouseId === undefined) {
    throw new Error(`Input '${auditInputNames.sqlWarehouseId}' is required when '${auditInputNames.auditTable}' is set.`);
  }
  if (!warehouseIdPattern.test(warehouseId)) {
    throw invalidInput(auditInputNames.sqlWarehouseId, warehouseId, 'the warehouse id, e.g. 1234567890abcdef');
  }
  return { enabled: true, table: parseAuditTableName(auditInputNames.auditTable, tableValue), warehouseId, required };
}
