export { supportCaseWorkflow } from './support-case';
