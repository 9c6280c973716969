/** The model report schema compiled to code at build time (scripts/build-tab.ts), so the tab ships no schema compiler. */
declare module 'virtual:model-report-validator' {
  import type { ReportValidator } from './read-report';
  const validate: ReportValidator;
  export default validate;
}
