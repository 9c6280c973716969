/**
 * `system.access.table_lineage` as the compliance lineage rule reads it: the documented columns the
 * query uses (source and target table, the entity that wrote, when).
 */
import type { ScenarioTable } from './scenario';

/** The lineage system table with these rows: `[source, target, entity type, event time]`. */
export function tableLineage(rows: Array<[string, string, string, string]>): ScenarioTable {
  return {
    name: 'system.access.table_lineage',
    columns: [
      { name: 'source_table_full_name', type: 'STRING' },
      { name: 'target_table_full_name', type: 'STRING' },
      { name: 'entity_type', type: 'STRING' },
      { name: 'event_time', type: 'TIMESTAMP' },
    ],
    rows,
  };
}
