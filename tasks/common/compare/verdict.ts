import { isSignificantImprovement, minimumSignificanceExamples, type BootstrapInterval } from './bootstrap';
import type { CheckResult } from './checks';
import { evaluateGuardrail } from './guardrails';
import { evaluateMetricThreshold } from './metric-threshold';
import { isThresholdOnly, needsBaseline, type GuardrailRule, type MetricRule, type RulesDocument } from './rules';

/** What to do when no version holds the champion alias. */
export type NoChampionPolicy = 'promote' | 'fail';

/** The verdict's two values, as the `decision` output variable carries them. */
export type Decision = 'promote' | 'reject';

/** A condition of the comparison itself (not of one metric), e.g. "a champion exists". */
export interface Precondition {
  name: string;
  passed: boolean;
  detail: string;
}

/** Everything the verdict is computed from. */
export interface VerdictInput {
  rules: RulesDocument;
  candidate: Map<string, number>;
  /** Undefined when no version holds the champion alias. */
  champion?: Map<string, number>;
  championAlias: string;
  /** Explicit policy; undefined means the default (see {@link defaultNoChampionPolicy}). */
  noChampion?: NoChampionPolicy;
  requireSignificance: boolean;
  /** Bootstrap intervals of candidate - champion by metric, where paired scores exist. */
  intervals: Map<string, BootstrapInterval>;
}

/** The decision and every check behind it. */
export interface Verdict {
  decision: Decision;
  checks: CheckResult[];
  preconditions: Precondition[];
  /** The no-champion policy in force (after the default was applied). */
  noChampion: NoChampionPolicy;
}

/** `promote` when every rule is a threshold rule (those need no champion), otherwise `fail`. */
export function defaultNoChampionPolicy(rules: RulesDocument): NoChampionPolicy {
  return isThresholdOnly(rules) ? 'promote' : 'fail';
}

const changeKinds = new Set(['min_absolute_change', 'min_relative_change']);

/** The inputs every rule's checks read, with the no-champion policy in force. */
interface RuleScope {
  candidate: Map<string, number>;
  champion?: Map<string, number>;
  noChampion: NoChampionPolicy;
  /** Why a check that needs a champion cannot be decided. */
  noChampionDetail: string;
}

/**
 * Applies every rule and decides: `promote` only when no check failed and every precondition holds
 * (fail closed). Without a champion, change rules, guardrails and significance cannot be decided:
 * with `noChampion: promote` they are skipped, with `fail` they fail and so does the precondition.
 */
export function decide(input: VerdictInput): Verdict {
  const { rules, candidate, champion, championAlias } = input;
  const noChampion = input.noChampion ?? defaultNoChampionPolicy(rules);
  const scope: RuleScope = { candidate, champion, noChampion, noChampionDetail: `no version of the model holds the alias '${championAlias}'` };
  const preconditions: Precondition[] = champion ? [] : [championPrecondition(scope)];
  const checks: CheckResult[] = [];
  for (const rule of rules.metrics) {
    checks.push(...metricChecks(rule, scope));
    if (input.requireSignificance && needsBaseline(rule)) checks.push(significanceCheck(rule, input.intervals.get(rule.metric), scope));
  }
  for (const rule of rules.guardrails) checks.push(guardrailCheck(rule, scope));

  const failed = checks.some((c) => c.status === 'failed') || preconditions.some((p) => !p.passed);
  return { decision: failed ? 'reject' : 'promote', checks: checks.map((check) => withExistingMetrics(check, candidate, champion)), preconditions, noChampion };
}

function championPrecondition(scope: RuleScope): Precondition {
  return {
    name: 'champion',
    passed: scope.noChampion === 'promote',
    detail:
      scope.noChampion === 'promote'
        ? `${scope.noChampionDetail}; noChampion is 'promote', so only threshold rules decide`
        : `${scope.noChampionDetail}, and noChampion is 'fail'`,
  };
}

/** A metric rule's threshold and change checks; without a champion its change checks are skipped or failed. */
function metricChecks(rule: MetricRule, scope: RuleScope): CheckResult[] {
  const { candidate, champion, noChampion, noChampionDetail } = scope;
  const result = evaluateMetricThreshold(rule, candidate.get(rule.metric), champion?.get(rule.metric));
  const value = candidate.get(rule.metric);
  return result.checks.map((check): CheckResult => {
    // Only a rule the candidate could have met waits for a champion; a missing value already
    // failed, and a NaN or infinite one fails here rather than being skipped into a promotion.
    if (!champion && changeKinds.has(check.kind) && value !== undefined) {
      return !Number.isFinite(value)
        ? { ...check, status: 'failed', detail: `the candidate's '${rule.metric}' is ${value}, not a finite number: the evaluation is broken` }
        : { ...check, status: noChampion === 'promote' ? 'skipped' : 'failed', detail: noChampionDetail };
    }
    return check;
  });
}

/** Whether the bootstrap interval of candidate - champion excludes zero on the better side. */
function significanceCheck(rule: MetricRule, interval: BootstrapInterval | undefined, scope: RuleScope): CheckResult {
  const { candidate, champion, noChampion, noChampionDetail } = scope;
  const base = {
    metric: rule.metric,
    kind: 'significance' as const,
    rule: `95% interval of candidate - champion ${rule.greaterIsBetter ? '> 0' : '< 0'}`,
    candidate: candidate.get(rule.metric),
    champion: champion?.get(rule.metric),
  };
  if (!champion) return { ...base, status: noChampion === 'promote' ? 'skipped' : 'failed', detail: noChampionDetail };
  if (!interval) return { ...base, status: 'failed', detail: `requireSignificance is set but there are no paired per-example scores for '${rule.metric}'` };
  const passed = isSignificantImprovement(interval, rule.greaterIsBetter);
  const side = rule.greaterIsBetter ? 'lower' : 'upper';
  const tooFew = interval.examples < minimumSignificanceExamples;
  return {
    ...base,
    status: passed ? 'passed' : 'failed',
    detail: tooFew
      ? `95% interval [${interval.lower}, ${interval.upper}] over only ${interval.examples} examples; at least ${minimumSignificanceExamples} are needed before any difference can be significant`
      : `95% interval [${interval.lower}, ${interval.upper}] over ${interval.examples} examples; its ${side} bound ${passed ? 'excludes' : 'does not exclude'} zero`,
  };
}

/** A guardrail against the champion; without one it is skipped or failed, and a broken candidate value fails. */
function guardrailCheck(rule: GuardrailRule, scope: RuleScope): CheckResult {
  const { candidate, champion, noChampion, noChampionDetail } = scope;
  if (champion) return evaluateGuardrail(rule, candidate.get(rule.metric), champion.get(rule.metric));
  const value = candidate.get(rule.metric);
  const broken =
    value === undefined
      ? `metric '${rule.metric}' is missing from the candidate's metrics`
      : !Number.isFinite(value)
        ? `the candidate's '${rule.metric}' is ${value}, not a finite number`
        : undefined;
  return {
    metric: rule.metric,
    kind: 'guardrail',
    status: broken !== undefined ? 'failed' : noChampion === 'promote' ? 'skipped' : 'failed',
    rule: `no worse than champion by more than ${rule.tolerance}`,
    detail: broken ?? noChampionDetail,
    candidate: value,
  };
}

/** Names shown after a missing metric; enough to spot a typo or a prefix without flooding the summary. */
const shownMetricNames = 20;

function listMetrics(side: string, metrics: Map<string, number>): string {
  const names = [...metrics.keys()].sort();
  if (names.length === 0) return `the ${side} has no metrics at all`;
  const shown = names.slice(0, shownMetricNames).join(', ');
  return `the ${side} has: ${shown}${names.length > shownMetricNames ? `, ... (${names.length} in all)` : ''}`;
}

/** A missing metric is most often a typo in the rules: say which metrics that side does have. */
function withExistingMetrics(check: CheckResult, candidate: Map<string, number>, champion: Map<string, number> | undefined): CheckResult {
  if (/is missing from the candidate's metrics/.test(check.detail)) return { ...check, detail: `${check.detail} (${listMetrics('candidate', candidate)})` };
  if (champion && /is missing from the champion's metrics/.test(check.detail)) return { ...check, detail: `${check.detail} (${listMetrics('champion', champion)})` };
  return check;
}
