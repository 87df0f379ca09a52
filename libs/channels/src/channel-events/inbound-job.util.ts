import type { PgJob } from '@inbox/core';

/**
 * What the webhook channels' jobs share once an event is stored: the last attempt, the subject
 * from the first line, and files fetched or listed as skipped. Pure, or I/O passed in.
 */

/** On the last attempt a temporary failure keeps what arrived (files listed as skipped) instead of retrying. */
export function isLastAttempt(job: PgJob<unknown>, queueRetryLimit?: number): boolean {
  // pg-boss hands workers the attempt number; the limit is the one the queue was defined with when the job does not carry it.
  return job.retryCount >= (job.retryLimit ?? queueRetryLimit ?? Infinity);
}

/** The first line with text in it, trimmed; null for a message without text. */
export function firstLineOf(text: string): string | null {
  return (
    text
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? null
  );
}

/** Chat messages have no subject: the first line (at most 120 characters) stands in for one in lists. */
export function subjectOf(text: string): string | null {
  const line = firstLineOf(text);
  return line ? line.slice(0, 120) : null;
}

export interface FetchedFile {
  fileName: string;
  contentType: string;
  data: Buffer;
}

/**
 * A message's files, fetched one by one. A temporary failure (the channel client's error says
 * `retryable`) retries the whole job, ingest being idempotent; a permanent one, or any still
 * failing on the last attempt, keeps the message and lists the file as skipped. Files past `max`
 * are skipped unread. Any other error is a bug and fails the job.
 */
export async function fetchFilesOrSkip<F, S>(
  files: readonly F[],
  o: {
    max?: number;
    lastAttempt: boolean;
    callError: abstract new (...args: any[]) => Error & { retryable: boolean };
    fetch: (file: F, index: number) => Promise<FetchedFile>;
    skip: (file: F, reason: string) => S;
  },
): Promise<{ attachments: FetchedFile[]; skipped: S[] }> {
  const attachments: FetchedFile[] = [];
  const skipped: S[] = [];
  for (const [i, file] of files.entries()) {
    if (o.max !== undefined && i >= o.max) {
      skipped.push(o.skip(file, `more than ${o.max} files in one message`));
      continue;
    }
    try {
      attachments.push(await o.fetch(file, i));
    } catch (err) {
      if (!(err instanceof o.callError)) throw err;
      if (err.retryable && !o.lastAttempt) throw err;
      skipped.push(o.skip(file, err.message));
    }
  }
  return { attachments, skipped };
}
