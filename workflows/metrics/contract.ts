// Metrics at the source: the search attributes a case publishes its own facts in, so the metrics
// summary, the live figures and the weekly report are visibility count queries.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** When the case last closed. */
export const CaseClosedAtAttr = defineSearchAttributeKey('CaseClosedAt', SearchAttributeType.DATETIME);
/** The closed case's facts as JSON (src/metrics/summary.ts CaseFacts; no personal data). */
export const CaseFactsAttr = defineSearchAttributeKey('CaseFacts', SearchAttributeType.TEXT);
/** Tags of what happened so far (src/metrics/marks.ts: self, esc:agent, csat:5, pb:<playbook>...). */
export const CaseMarksAttr = defineSearchAttributeKey('CaseMarks', SearchAttributeType.KEYWORD_LIST);
/** When the case was first resolved (a reopen does not move it). */
export const CaseResolvedAtAttr = defineSearchAttributeKey('CaseResolvedAt', SearchAttributeType.DATETIME);
/** Minutes from open to the first human response, in the channel's calendar (business hours for chat). */
export const CaseFirstResponseMinsAttr = defineSearchAttributeKey('CaseFirstResponseMins', SearchAttributeType.DOUBLE);
/** Calendar minutes from open to the first resolution. */
export const CaseResolutionMinsAttr = defineSearchAttributeKey('CaseResolutionMins', SearchAttributeType.DOUBLE);
/** Calendar minutes from open to the latest resolution of a reopened case, while resolved or closed. */
export const CaseFinalResolutionMinsAttr = defineSearchAttributeKey(
  'CaseFinalResolutionMins',
  SearchAttributeType.DOUBLE,
);

/** The metrics' search attributes. */
export const METRICS_SEARCH_ATTRIBUTES = [
  CaseClosedAtAttr,
  CaseFactsAttr,
  CaseMarksAttr,
  CaseResolvedAtAttr,
  CaseFirstResponseMinsAttr,
  CaseResolutionMinsAttr,
  CaseFinalResolutionMinsAttr,
];
