// Usage: node dist/scripts/inbox.js [dir] [--show <id>]
// Lists the mail the local SMTP inbox stored (default dir .data/inbox), or prints one mail.
import path from 'node:path';
import { formatMailId, readInboxDir } from '../dev/standins/smtp-inbox';
import type { ReceivedMail } from '../dev/standins/smtp-inbox';

/** Runs the CLI on argv (without node and script) and returns the process exit code. */
export function main(
  argv: string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): number {
  let dir = '.data/inbox';
  let show: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--show') {
      show = argv[++i];
      if (show === undefined) {
        err('usage: inbox [dir] [--show <id>]');
        return 2;
      }
    } else if (arg === '--help' || arg === '-h') {
      out('usage: inbox [dir] [--show <id>]');
      return 0;
    } else {
      dir = arg;
    }
  }

  const mails = readInboxDir(path.resolve(dir));
  if (show !== undefined) {
    // Accept '3' as well as '000003'; ids are numeric sequence numbers.
    const wanted = /^\d+$/.test(show) ? formatMailId(Number(show)) : show;
    const mail = mails.find((m) => m.id === wanted);
    if (!mail) {
      err(`no mail ${show} in ${dir}`);
      return 1;
    }
    printMail(mail, out);
    return 0;
  }
  if (mails.length === 0) {
    out(`no mail in ${dir}`);
    return 0;
  }
  for (const m of mails) out(`${m.id}  ${m.receivedAt}  ${m.to.join(', ')}  ${JSON.stringify(m.subject)}`);
  return 0;
}

function printMail(mail: ReceivedMail, out: (line: string) => void): void {
  for (const [name, value] of Object.entries(mail.headers)) out(`${name}: ${value}`);
  out('');
  out(mail.text);
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
