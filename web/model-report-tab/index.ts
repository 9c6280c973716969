/**
 * Entry of the Model promotion tab (contribution `ms.vss-build-web.build-results-tab`): handshake
 * with the host through the Azure DevOps extension SDK, find the build, read its model reports
 * through the Build REST API with the SDK's access token, and draw them.
 */
import * as SDK from 'azure-devops-extension-sdk';
import { BuildRestClient, type IBuildPageDataService } from 'azure-devops-extension-api/Build';
import { getClient, type IProjectPageService } from 'azure-devops-extension-api/Common';
import validate from 'virtual:model-report-validator';
import { modelReportAttachmentType } from '../../tasks/common/report/model-report';
import { loadReports } from './attachments';
import { renderLoadError, renderTab } from './render';
import { darkPalette, isDarkTheme, lightPalette, paletteCss } from './theme';

// String ids rather than the const enums, which an isolated-modules build cannot inline.
const buildPageDataService = 'ms.vss-build-web.build-page-data-service';
const projectPageService = 'ms.vss-tfs-web.tfs-page-data-service';

function applyPalette(themeData: Record<string, string> | undefined): void {
  const dark = isDarkTheme(themeData);
  if (dark === undefined) return;
  document.documentElement.setAttribute('data-theme', dark ? 'dark' : 'light');
  document.documentElement.setAttribute('style', paletteCss(dark ? darkPalette : lightPalette));
}

function show(content: HTMLElement): void {
  const host = document.getElementById('root')!;
  host.replaceChildren(content);
  host.setAttribute('aria-busy', 'false');
}

async function main(): Promise<void> {
  window.addEventListener('themeApplied', (event) => applyPalette((event as CustomEvent<Record<string, string>>).detail));
  await SDK.init({ loaded: false, applyTheme: true });
  try {
    const pageData = (await SDK.getService<IBuildPageDataService>(buildPageDataService)).getBuildPageData();
    const project = await (await SDK.getService<IProjectPageService>(projectPageService)).getProject();
    const build = (await pageData)?.build;
    if (!build || !project) throw new Error('The host gave no build or project for this page.');
    const reports = await loadReports(getClient(BuildRestClient), project.id, build.id, modelReportAttachmentType, validate);
    show(renderTab(document, reports));
  } catch (error) {
    show(renderLoadError(document, error instanceof Error ? error.message : String(error)));
  }
  await SDK.notifyLoadSucceeded();
  SDK.resize();
  // Opening a rule list or the host resizing the tab changes the height the host must give the frame.
  new ResizeObserver(() => SDK.resize()).observe(document.body);
}

void main();
