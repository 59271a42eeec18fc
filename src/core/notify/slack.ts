/** Options of `notifySlack`. */
export interface SlackNotifyOptions {
  /** Incoming-webhook URL: a secret. It never appears in any output, error or report. */
  readonly webhookUrl: string;
  /** The one-line summary to post. */
  readonly text: string;
  /** Request timeout. @default 5000 */
  readonly timeoutMs?: number;
}

/** What happened to the notification; a failure is a warning, never a change of outcome. */
export interface NotifyResult {
  readonly sent: boolean;
  /** Why it was not sent, without the URL. */
  readonly warning?: string;
}

/** Posts one message to a Slack incoming webhook. Never throws. */
export async function notifySlack(options: SlackNotifyOptions): Promise<NotifyResult> {
  try {
    const response = await fetch(options.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: options.text }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    await response.body?.cancel();
    if (response.ok) return { sent: true };
    return { sent: false, warning: `Slack notification failed: webhook answered HTTP ${response.status}` };
  } catch (error) {
    // fetch errors can quote the URL: keep only the error's kind.
    const kind = (error as Error).name === "TimeoutError" ? "timed out" : "request failed";
    return { sent: false, warning: `Slack notification failed: ${kind}` };
  }
}
