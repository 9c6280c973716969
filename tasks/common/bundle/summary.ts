/** Markdown summaries for the run's Extensions tab. */
import { formatFinding, type Finding } from './findings';
import type { BuildResult } from './release-bundle';
import type { VerifiedBundle } from './verify';

const escape = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const rows = findings.map((f) => `| ${f.severity} | ${f.check} | ${escape(formatFinding(f))} |`);
  return `| Severity | Check | Finding |\n|---|---|---|\n${rows.join('\n')}\n`;
}

/** The build summary: targets, files, size, digest and every finding. */
export function renderBuildSummary(result: BuildResult, schemaOrigin: string | undefined): string {
  const rows: Array<[string, string]> = [];
  rows.push(['Bundle', `${result.bundleName ?? '(unnamed)'} ${result.manifest?.version ?? ''}`.trim()]);
  rows.push(['Targets', result.targets.length > 0 ? result.targets.map((t) => `\`${t}\``).join(', ') : '(top-level configuration)']);
  if (result.succeeded && result.manifest) {
    rows.push(['Files', String(result.fileCount)]);
    rows.push(['Size', `${size(result.totalSize)} (zip ${size(result.zipSize)})`]);
    rows.push(['Content digest', `\`${result.manifest.contentDigest}\``]);
    const artifacts = Object.entries(result.manifest.artifacts);
    if (artifacts.length > 0) rows.push(['Artifacts', artifacts.map(([k, a]) => `${k}: ${a.mode === 'prebuilt' ? `prebuilt (${a.files.length} file(s))` : 'sources, built by the deploy'}`).join('; ')]);
    if (result.manifest.source.commit) rows.push(['Source commit', `\`${result.manifest.source.commit}\``]);
  }
  rows.push(['Validation', schemaOrigin ? 'bundle JSON schema and semantic checks' : 'semantic checks only (no bundle JSON schema: set schemaFile or put the databricks CLI on PATH)']);
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const warnings = result.findings.length - errors;
  const status = result.succeeded ? 'Built' : 'Not built';
  return (
    `## Release bundle: ${status}\n\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${escape(k)} | ${escape(v)} |`).join('\n')}\n\n` +
    `### Findings (${errors} error(s), ${warnings} warning(s))\n\n${findingsTable(result.findings)}`
  );
}

/** The verify summary. */
export function renderVerifySummary(bundlePath: string, verified: VerifiedBundle, expectedDigest: string | undefined): string {
  const m = verified.manifest;
  const rows: Array<[string, string]> = [
    ['Bundle', `${m.bundle.name} ${m.version}`],
    ['Zip', `\`${bundlePath}\``],
    ['Files', `${verified.fileCount} (${size(verified.totalSize)}), every SHA-256 recomputed`],
    ['Content digest', `\`${verified.contentDigest}\`${expectedDigest ? ' (matches the expected digest)' : ' (no expected digest given)'}`],
    ['Targets', Object.keys(m.targets).map((t) => `\`${t}\``).join(', ')],
  ];
  if (m.source.commit) rows.push(['Source commit', `\`${m.source.commit}\``]);
  return `## Release bundle: Verified\n\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${escape(k)} | ${escape(v)} |`).join('\n')}\n`;
}
