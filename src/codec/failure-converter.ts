// Failure messages and stack traces say what went wrong with a case ("no approval tier covers
// $450 for ada@…"): they can carry personal data, so they travel as an encoded payload
// (`encodedAttributes`) that the payload codec encrypts like every other payload. Loaded by path
// (`failureConverterPath`) by the workflow bundle, the worker and every client.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
