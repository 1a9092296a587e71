// Metrics at the source: the search attributes a closed case publishes its own facts in, so the
// metrics summary and the weekly report read them from Temporal visibility.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** When the case last closed. */
export const CaseClosedAtAttr = defineSearchAttributeKey('CaseClosedAt', SearchAttributeType.DATETIME);
/** The closed case's facts as JSON (src/metrics/summary.ts CaseFacts; no personal data). */
export const CaseFactsAttr = defineSearchAttributeKey('CaseFacts', SearchAttributeType.TEXT);
