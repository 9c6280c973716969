import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelReportValidator } from '../../tasks/common/report/validate';
import { attachmentLocation, limits, loadReports, type AttachmentApi } from '../../web/model-report-tab/attachments';
import { readReport } from '../../web/model-report-tab/read-report';

const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'model-report', 'every-section.json'), 'utf8');

describe('model report tab: reading attachments', () => {
  it('accepts a valid report, names a newer format, and explains an invalid one', () => {
    const validate = modelReportValidator();
    assert.equal(readReport('a.json', text, validate).status, 'ok');
    assert.deepEqual(readReport('b.json', JSON.stringify({ schemaVersion: 2, anything: true }), validate), { status: 'newer', name: 'b.json', version: 2 });
    const broken = readReport('c.json', JSON.stringify({ ...JSON.parse(text), kind: 'deploy' }), validate);
    assert.equal(broken.status, 'invalid');
    assert.match((broken as { problems: string[] }).problems[0], /^\/kind: must be equal to one of the allowed values/);
    assert.match((readReport('d.json', '{', validate) as { problems: string[] }).problems[0], /^not JSON/);
    assert.deepEqual((readReport('e.json', '[]', validate) as { problems: string[] }).problems, ['no schemaVersion: this is not a model report']);
  });

  it('finds the timeline and record ids in the attachment link', () => {
    const timeline = '0f1c9a8e-2d3b-4c5d-8e9f-1a2b3c4d5e6f';
    const record = '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d';
    assert.deepEqual(attachmentLocation(`https://dev.azure.com/contoso/p/_apis/build/builds/4711/${timeline}/${record}/attachments/t/n.json`), { timelineId: timeline, recordId: record });
    assert.equal(attachmentLocation('https://dev.azure.com/contoso/p/_apis/build/builds/4711/attachments/t'), undefined);
    assert.equal(attachmentLocation(undefined), undefined);
  });

  it('reads each listed attachment through the Build API; one that fails does not hide the others', async () => {
    const href = (record: string) => `https://x/p/_apis/build/builds/1/00000000-0000-4000-8000-000000000000/${record}/attachments/t/n`;
    const calls: string[] = [];
    const api: AttachmentApi = {
      getAttachments: async (project, buildId, type) => {
        calls.push(`list ${project} ${buildId} ${type}`);
        return [
          { name: 'ok.json', _links: { self: { href: href('00000000-0000-4000-8000-000000000001') } } },
          { name: 'gone.json', _links: { self: { href: href('00000000-0000-4000-8000-000000000002') } } },
          { name: 'nolink.json' },
          { name: 'huge.json', _links: { self: { href: href('00000000-0000-4000-8000-000000000003') } } },
        ];
      },
      getAttachment: async (_project, _buildId, _timeline, record, _type, name) => {
        calls.push(`get ${record.slice(-1)} ${name}`);
        if (name === 'gone.json') throw new Error('404 Not Found');
        if (name === 'huge.json') return new ArrayBuffer(limits.bytes + 1);
        return new TextEncoder().encode(text).buffer as ArrayBuffer;
      },
    };
    const read = await loadReports(api, 'p', 1, 't', modelReportValidator());
    assert.deepEqual(read.map((r) => [r.name, r.status]), [['ok.json', 'ok'], ['gone.json', 'invalid'], ['nolink.json', 'invalid'], ['huge.json', 'invalid']]);
    assert.deepEqual(calls, ['list p 1 t', 'get 1 ok.json', 'get 2 gone.json', 'get 3 huge.json']);
  });
});
