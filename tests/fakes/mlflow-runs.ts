/** MLflow runs as the comparison reads them: runs by id and metric histories, with a call log. */
import type { Metric, Run } from '@databricks/sdk-experimental/dist/apis/ml/model';
import type { MetricsReader } from '../../tasks/common/compare/sources';

/** Serves the given runs (a missing id is an error) and histories keyed `<runId>/<metric>`. */
export class FakeRunReader implements MetricsReader {
  readonly calls: string[] = [];
  constructor(
    private readonly runs: Record<string, Run>,
    private readonly histories: Record<string, Metric[]> = {},
  ) {}
  getRun(runId: string): Promise<Run> {
    this.calls.push(`getRun ${runId}`);
    const found = this.runs[runId];
    return found ? Promise.resolve(found) : Promise.reject(new Error(`no run ${runId}`));
  }
  getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    this.calls.push(`history ${runId} ${key}`);
    return Promise.resolve(this.histories[`${runId}/${key}`] ?? []);
  }
}
