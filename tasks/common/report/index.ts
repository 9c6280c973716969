/** Model reports: the schema's types, the writer the tasks use, and the builders per task. */
export * from './model-report';
export * from './writer';
export * from './compare-report';
export * from './promote-report';
