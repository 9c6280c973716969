/**
 * Model reports: the schema's types, the writer the tasks use, and the builders per task.
 *
 * A deciding task adds its section and attaches the report once it has decided, e.g.:
 *
 *   attachModelReport(context, {
 *     schemaVersion: 1,
 *     kind: 'compliance',
 *     createdAt: new Date(context.clock.now()).toISOString(),
 *     producer: { task: taskReference },
 *     model: { name: model.fullName, version },
 *     outcome: { status: 'failed', summary: '1 of 12 rules failed' },
 *     compliance: { policy, rules },
 *     links: [modelVersionLink(host, model.fullName, version, 'checked'), ...auditRowLink(audit)],
 *   });
 *
 * `attachModelReport` validates against model-report.schema.json and refuses credential-shaped
 * values, so a bad report fails the step in tests rather than showing nothing in the tab.
 */
export * from './model-report';
export * from './writer';
export * from './links';
export * from './compare-report';
export * from './promote-report';
export * from './compliance-report';
export * from './serving-report';
export * from './drift-report';
export * from './signoff-report';
export { clip, reportTime } from './report-text';
