/**
 * Which AWS errors say "not known yet" rather than "no": throttling, server faults (5xx) and network timeouts. A
 * wait that meets one keeps waiting until its deadline; only a real answer from ECS is a verdict.
 */

// Error names AWS services use for throttling (the SDK's own list, plus DynamoDB's).
const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

// Names and codes of network-level failures: the request may never have reached AWS.
const NETWORK = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "NetworkingError",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
]);

/** Whether `error` is transient: throttled, a 5xx/server fault, or a network timeout. Pure. */
export function isTransientAwsError(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  } | null;
  if (!e || typeof e !== "object") return false;
  if (e.name && (THROTTLING.has(e.name) || NETWORK.has(e.name))) return true;
  if (e.code && NETWORK.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return e.$fault === "server";
}
