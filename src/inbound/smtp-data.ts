// Receiving one message's DATA on an smtp-server connection, shared by the inbound server and the
// development SMTP inbox: buffer up to a limit (draining the rest, so the client gets a proper 552),
// then answer 250 with what `accept` says, or the error `refuse` makes of its failure.
import type { SMTPServerDataStream } from 'smtp-server';

/** An error smtp-server answers with this reply code. */
export const smtpError = (message: string, responseCode: number): Error =>
  Object.assign(new Error(message), { responseCode });

export function receiveSmtpData(
  stream: SMTPServerDataStream,
  maxBytes: number,
  callback: (err?: Error | null, message?: string) => void,
  accept: (raw: Buffer) => Promise<string>,
  refuse: (err: unknown) => Error,
  tooLarge = `5.3.4 message exceeds the maximum size of ${maxBytes} bytes`,
): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes <= maxBytes) chunks.push(chunk);
  });
  stream.on('error', (err: Error) => callback(err));
  stream.on('end', () => {
    if (stream.sizeExceeded || bytes > maxBytes) return callback(smtpError(tooLarge, 552));
    accept(Buffer.concat(chunks)).then(
      (reply) => callback(null, reply),
      (err: unknown) => callback(refuse(err)),
    );
  });
}
