/**
 * The work item's description: what the approver needs to decide, in one place. Everything from
 * outside (summary files, tag values) is HTML-escaped: it is data, and a work item renders HTML.
 */

/** A summary file an earlier step wrote (`evidenceFiles`). */
export interface EvidenceFile {
  /** File name shown as the section heading. */
  name: string;
  content: string;
}

/** Links and facts around the model version. */
export interface EvidenceContext {
  modelName: string;
  version: number;
  /** The version's tags (compare.*, compliance.*, ...). */
  tags: Record<string, string>;
  modelVersionUrl?: string;
  mlflowRunUrl?: string;
  pipelineRunUrl?: string;
  requestedFor?: string;
  approvers: string;
  approvedStates: string[];
  rejectedStates: string[];
  files: EvidenceFile[];
}

/** Longest file excerpt kept (System.Description holds at most about 1 MB of HTML). */
const maxFileChars = 60_000;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function link(label: string, url: string | undefined): string {
  if (!url || !/^https?:\/\//i.test(url)) return `<li>${escapeHtml(label)}: not available</li>`;
  return `<li>${escapeHtml(label)}: <a href="${escapeHtml(url)}">${escapeHtml(url)}</a></li>`;
}

/** Tags whose prefix marks them as evidence from earlier steps, shown first. */
const evidencePrefixes = ['compliance.', 'compare.', 'signoff.'];

function tagTable(tags: Record<string, string>): string {
  const names = Object.keys(tags).sort((a, b) => {
    const rank = (name: string): number => {
      const index = evidencePrefixes.findIndex((prefix) => name.startsWith(prefix));
      return index < 0 ? evidencePrefixes.length : index;
    };
    return rank(a) - rank(b) || a.localeCompare(b);
  });
  if (names.length === 0) return '<p>The version has no tags.</p>';
  const rows = names.map((name) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(tags[name])}</td></tr>`).join('');
  return `<table><tr><th>Tag</th><th>Value</th></tr>${rows}</table>`;
}

function fileSection(file: EvidenceFile): string {
  const text = file.content.length > maxFileChars ? `${file.content.slice(0, maxFileChars)}\n... (truncated)` : file.content;
  return `<h3>${escapeHtml(file.name)}</h3><pre>${escapeHtml(text)}</pre>`;
}

/** The HTML description of a sign-off request. */
export function evidenceDescription(evidence: EvidenceContext): string {
  const complianceTags = Object.entries(evidence.tags).filter(([name]) => name.startsWith('compliance.'));
  const compliance =
    complianceTags.length === 0
      ? '<p>No compliance result is recorded on this version (no compliance.* tags).</p>'
      : `<p>${complianceTags.map(([name, value]) => `<b>${escapeHtml(name)}</b>: ${escapeHtml(value)}`).join('<br/>')}</p>`;
  return [
    `<h2>Sign-off requested: ${escapeHtml(evidence.modelName)} version ${evidence.version}</h2>`,
    `<p>Move this work item to <b>${escapeHtml(evidence.approvedStates.join(' or '))}</b> to approve, or to <b>${escapeHtml(evidence.rejectedStates.join(' or '))}</b> to reject. Only these approvers count: <b>${escapeHtml(evidence.approvers)}</b>.${evidence.requestedFor ? ` ${escapeHtml(evidence.requestedFor)} requested the run.` : ''}</p>`,
    '<ul>',
    link('Pipeline run', evidence.pipelineRunUrl),
    link('Model version', evidence.modelVersionUrl),
    link('MLflow run', evidence.mlflowRunUrl),
    '</ul>',
    '<h3>Compliance</h3>',
    compliance,
    '<h3>Version tags</h3>',
    tagTable(evidence.tags),
    ...(evidence.files.length === 0 ? ['<p>No evidence files were given (evidenceFiles).</p>'] : evidence.files.map(fileSection)),
  ].join('\n');
}
