/** The lakehouse record shared by every deciding task: settings from the common audit inputs, and the writer. */
export * from './audit-settings';
export * from './audit-record';
export * from './record-failure';
