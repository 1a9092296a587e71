// What the metrics carry across continue-as-new: the facts latched as they happened.
export type { MetricsLatch as MetricsState } from '../../src/metrics/marks';
