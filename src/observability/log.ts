// Logs for ops: one JSON object per line, naming the case and the action; never payloads,
// personal data or secrets.

/** Writes one JSON log line. */
export function logJson(entry: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...entry })}\n`);
}
