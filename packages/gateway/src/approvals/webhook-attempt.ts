/** One POST to a webhook, classified: delivered, worth retrying, or refused for good. */
export type AttemptOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | {
      readonly kind: 'retry';
      /** Absent for network errors and timeouts. */
      readonly status?: number;
      readonly reason: string;
      readonly retryAfter?: string | null;
    }
  | { readonly kind: 'refused'; readonly status: number; readonly reason: string };

export interface WebhookAttempt {
  readonly url: URL;
  readonly body: Uint8Array;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  /** Aborts the attempt when the notifier closes. */
  readonly signal: AbortSignal;
  readonly fetch: typeof fetch;
}

/** How much of a refusing receiver's answer is quoted in the log (Slack says e.g. `invalid_blocks`). */
const QUOTED_BODY_CHARS = 200;

/**
 * Removes the URL's path and query from a text (an error or a receiver's answer) before it is
 * logged: a Slack webhook's path is its credential, and other receivers put tokens there too.
 */
export function withoutUrlSecrets(text: string, url: URL): string {
  let out = text;
  for (const secret of [url.href, `${url.pathname}${url.search}`, url.pathname, url.search]) {
    if (secret.length > 1) out = out.split(secret).join('/…');
  }
  return out;
}

async function quotedBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < QUOTED_BODY_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, QUOTED_BODY_CHARS).replace(/\s+/g, ' ').trim();
}

function networkReason(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string')
    return `${cause.code}${typeof cause.message === 'string' ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends once. Retried: network errors, timeouts, 408, 429 and 5xx (RFC 9110: the receiver may
 * succeed later). Refused for good: other 4xx (the request itself is wrong; resending it cannot
 * help) and redirects (a webhook URL should name its final address; following one could carry
 * the body somewhere unreviewed).
 */
export async function sendWebhookAttempt(attempt: WebhookAttempt): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('approval webhook attempt timed out'));
  }, attempt.timeoutMs);
  const onClose = (): void => controller.abort(attempt.signal.reason);
  attempt.signal.addEventListener('abort', onClose, { once: true });
  try {
    const response = await attempt.fetch(attempt.url, {
      method: 'POST',
      headers: attempt.headers,
      body: attempt.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    const { status } = response;
    if (status >= 200 && status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'delivered', status };
    }
    const said = withoutUrlSecrets(await quotedBody(response).catch(() => ''), attempt.url);
    const reason = `HTTP ${status}${said ? `: ${said}` : ''}`;
    if (status === 408 || status === 429 || status >= 500) {
      return { kind: 'retry', status, reason, retryAfter: response.headers.get('retry-after') };
    }
    return { kind: 'refused', status, reason };
  } catch (error) {
    const reason = networkReason(error, timedOut, attempt.timeoutMs);
    return { kind: 'retry', reason: withoutUrlSecrets(reason, attempt.url) };
  } finally {
    clearTimeout(timer);
    attempt.signal.removeEventListener('abort', onClose);
  }
}
