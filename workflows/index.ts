export { supportCaseWorkflow } from './support-case';
export { weeklyReportWorkflow } from './weekly-report';
