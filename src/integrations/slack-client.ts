import { ApplicationFailure } from '@temporalio/common';
import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebClient } from '@slack/web-api';
import type { SlackGateway } from '../../activities/slack';

/** A Slack Web API client for the real workspace, or for a stand-in at slackApiUrl (http://127.0.0.1:PORT/api/). */
export function createSlackClient(opts: { token: string; slackApiUrl?: string; timeoutMs?: number }): WebClient {
  return new WebClient(opts.token, {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    // Temporal's activity retry policy does the backing off, visibly in history; the client's own
    // retries (minutes, by default) would outlive the activity's timeout.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 10_000,
    logLevel: LogLevel.WARN,
  });
}

// Slack errors worth another attempt; every other `ok: false` repeats on retry.
const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

/** Rethrows a Slack error: non-retryable `SlackRejected` when retrying would get the same answer. */
function classify(method: string, err: unknown): never {
  if (err instanceof WebAPIPlatformError && !TRANSIENT_ERRORS.has(err.data.error)) {
    throw ApplicationFailure.nonRetryable(`Slack refused ${method}: ${err.data.error}`, 'SlackRejected', {
      error: err.data.error,
    });
  }
  if (err instanceof WebAPIHTTPError && err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429) {
    throw ApplicationFailure.nonRetryable(`Slack ${method} returned HTTP ${err.statusCode}`, 'SlackRejected', {
      status: err.statusCode,
    });
  }
  throw err;
}

/** The case activities' view of Slack. */
export function createSlackGateway(client: WebClient): SlackGateway {
  return {
    async postMessage(channel, text, blocks, threadTs) {
      try {
        const res = await client.chat.postMessage({
          channel,
          text,
          ...(blocks ? { blocks } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
        });
        if (!res.ts || !res.channel) throw new Error('Slack chat.postMessage answered without ts or channel');
        return { ts: res.ts, channel: res.channel };
      } catch (err) {
        return classify('chat.postMessage', err);
      }
    },

    async uploadFile({ channel, filename, title, bytes, comment }) {
      try {
        const res = (await client.filesUploadV2({
          channel_id: channel,
          file: bytes,
          filename,
          title,
          ...(comment ? { initial_comment: comment } : {}),
        })) as { files?: { files?: { id?: string }[] }[] };
        const id = res.files?.[0]?.files?.[0]?.id;
        if (!id) throw new Error('Slack files.completeUploadExternal answered without a file id');
        return { fileId: id };
      } catch (err) {
        return classify('files.uploadV2', err);
      }
    },

    async userIdByEmail(email) {
      try {
        const res = await client.users.lookupByEmail({ email });
        return res.user?.id ?? null;
      } catch (err) {
        if (err instanceof WebAPIPlatformError && err.data.error === 'users_not_found') return null;
        return classify('users.lookupByEmail', err);
      }
    },
  };
}
