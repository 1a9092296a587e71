// What the metrics carry across continue-as-new: the facts a case latched as they happened.

/** Facts a case latches as they happen (carried across continue-as-new; the trail may be archived). */
export interface MetricsState {
  /** The first reply or verification request by a person. */
  firstHumanResponseAtMs?: number;
  /** The automatic in-app answer went out. */
  selfService?: boolean;
  /** The first time the case was resolved (a reopen does not move it). */
  firstResolvedAtMs?: number;
  /** Words of the subject line that are in the policy's vocabulary (never anything else: no personal data). */
  words?: string[];
}
