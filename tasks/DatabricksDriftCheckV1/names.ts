/** Input names of DatabricksDriftCheck@1 (the contract pipelines use; checked against task.json by a test). */
export const inputNames = {
  sqlWarehouseId: 'sqlWarehouseId',
  monitoredTable: 'monitoredTable',
  driftMetricsTable: 'driftMetricsTable',
  profileMetricsTable: 'profileMetricsTable',
  metricsQuery: 'metricsQuery',
  rulesFile: 'rulesFile',
  lookbackWindows: 'lookbackWindows',
  maxWindowAgeHours: 'maxWindowAgeHours',
  onDrift: 'onDrift',
  retrainJobName: 'retrainJobName',
  retrainJobId: 'retrainJobId',
  retrainJobParameters: 'retrainJobParameters',
  waitForRetrain: 'waitForRetrain',
  onNoData: 'onNoData',
} as const;

/** Output variable names. */
export const outputNames = {
  driftDetected: 'driftDetected',
  driftedMetrics: 'driftedMetrics',
  window: 'window',
  retrainRunId: 'retrainRunId',
} as const;

/** Defaults, the same as the task.json `defaultValue`s. */
export const defaults = {
  lookbackWindows: 1,
  maxWindowAgeHours: 48,
  onDrift: 'notify',
  waitForRetrain: false,
  onNoData: 'fail',
} as const;

export const onDriftChoices = ['runJob', 'notify', 'fail'] as const;
export const onNoDataChoices = ['fail', 'warn', 'pass'] as const;

/** The task as the audit record names it. */
export const taskReference = 'DatabricksDriftCheck@1';
