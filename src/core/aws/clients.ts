import { ECSClient } from "@aws-sdk/client-ecs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { STSClient } from "@aws-sdk/client-sts";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PreflightError, SettingsError } from "../errors.js";
import { ApiCallLog } from "./api-calls.js";
import { validateCredentials, type AwsCredentialsInput } from "./credentials.js";
import { webIdentityProvider, type ExpiringCredentials } from "./web-identity.js";

/** The AWS clients a deploy uses, all pointed at one region and endpoint and recorded in one call log. */
export interface AwsClients {
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly sts: STSClient;
  readonly logs: CloudWatchLogsClient;
  /** DynamoDB: the deploy lock table. */
  readonly dynamodb: DynamoDBClient;
  /** Unsigned STS client that re-assumes a web identity before it expires (absent with static keys). */
  readonly identity?: STSClient;
  /** Every call made through these clients. */
  readonly calls: ApiCallLog;
  readonly region: string;
}

/** Options of `createAwsClients`. */
export interface AwsClientOptions {
  /** AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** Static keys or a web identity to exchange with STS. */
  readonly credentials: AwsCredentialsInput;
  /** Endpoint override for every client (moto in tests), e.g. `http://127.0.0.1:55000`. @default undefined (AWS) */
  readonly endpoint?: string;
  /** Attempts per call, including the first, for throttling and transient errors (adaptive retry). @default 3 */
  readonly maxAttempts?: number;
  /** Lifetime of a web-identity session; it is re-assumed 10 min before it ends. @default 3600 */
  readonly sessionSeconds?: number;
  /** Call log to append to (shared across client sets). @default a new ApiCallLog */
  readonly calls?: ApiCallLog;
}

type SdkClient = ECSClient | ECRClient | STSClient | CloudWatchLogsClient | DynamoDBClient;
type Handler = (args: unknown) => Promise<unknown>;
/** The one shape of `middlewareStack.add` used here, common to every SDK client. */
interface AddMiddleware {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: "initialize"; name: string },
  ): void;
}

/** Adds the middleware that records each call's name and whether it mutates. */
function recordCalls(client: SdkClient, service: string, calls: ApiCallLog): void {
  (client.middlewareStack as unknown as AddMiddleware).add(
    (next, context) => async (args) => {
      calls.record(service, String(context.commandName ?? "Unknown").replace(/Command$/, ""));
      return next(args);
    },
    { step: "initialize", name: "faultmavenRecordApiCall" },
  );
}

/**
 * Validates an endpoint override: only http(s) URLs.
 * @throws SettingsError for anything else.
 */
export function validateEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined || endpoint === "") return undefined;
  if (!/^https?:\/\/[^\s/]+\/?$/.test(endpoint)) {
    throw new SettingsError(
      `AWS endpoint ${JSON.stringify(endpoint.slice(0, 100))} is not http(s)://host[:port]: fix --aws-endpoint-url`,
    );
  }
  return endpoint.replace(/\/$/, "");
}

/**
 * Builds the ECS, ECR, STS and CloudWatch Logs clients. With a web identity, first exchanges the token for
 * temporary credentials (STS AssumeRoleWithWebIdentity, recorded like every other call).
 * @throws SettingsError for empty credentials or a bad endpoint, PreflightError when STS refuses the token.
 */
export async function createAwsClients(options: AwsClientOptions): Promise<AwsClients> {
  const credentials = validateCredentials(options.credentials);
  const endpoint = validateEndpoint(options.endpoint);
  const calls = options.calls ?? new ApiCallLog();
  // Adaptive retry adds client-side rate limiting on throttling to the standard exponential backoff.
  const base = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: "adaptive",
    // The endpoint is the caller's argument or AWS's own, never AWS_ENDPOINT_URL of whatever process runs this.
    ...(endpoint ? { endpoint } : { ignoreConfiguredEndpointUrls: true }),
  };
  let keys: ExpiringCredentials | (() => Promise<ExpiringCredentials>);
  let identity: STSClient | undefined;
  if (credentials.kind === "static") {
    keys = {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    };
  } else {
    // AssumeRoleWithWebIdentity is unsigned: the token is the proof. Placeholder keys stop the SDK from
    // searching the host's own credential chain for a signer it does not need.
    identity = new STSClient({ ...base, credentials: { accessKeyId: "web-identity", secretAccessKey: "unused" } });
    recordCalls(identity, "STS", calls);
    keys = webIdentityProvider({
      sts: identity,
      roleArn: credentials.roleArn,
      webIdentityToken: credentials.webIdentityToken,
      sessionName: credentials.sessionName ?? "faultmaven-deploy",
      ...(options.sessionSeconds !== undefined ? { durationSeconds: options.sessionSeconds } : {}),
    });
    try {
      await keys(); // the first session now, so a refused token fails before any other call
    } catch (error) {
      identity.destroy();
      // The SDK's message never contains the token; keep only its first line.
      const why = ((error as Error).message || (error as Error).name).split("\n")[0];
      throw new PreflightError(
        `STS refused the web identity for ${credentials.roleArn} (${why}): check the role's trust policy for this repository and the token's audience`,
      );
    }
  }
  const config = { ...base, credentials: keys };
  const ecs = new ECSClient(config);
  const ecr = new ECRClient(config);
  const sts = new STSClient(config);
  const logs = new CloudWatchLogsClient(config);
  const dynamodb = new DynamoDBClient(config);
  recordCalls(ecs, "ECS", calls);
  recordCalls(ecr, "ECR", calls);
  recordCalls(sts, "STS", calls);
  recordCalls(logs, "CloudWatchLogs", calls);
  recordCalls(dynamodb, "DynamoDB", calls);
  return { ecs, ecr, sts, logs, dynamodb, ...(identity ? { identity } : {}), calls, region: options.region };
}

/** Closes the clients' sockets (tests and one-shot CLIs). */
export function destroyAwsClients(clients: AwsClients): void {
  clients.ecs.destroy();
  clients.ecr.destroy();
  clients.sts.destroy();
  clients.logs.destroy();
  clients.dynamodb.destroy();
  clients.identity?.destroy();
}

/** First line of an AWS SDK error, for one-line messages (SDK messages carry no credentials). */
export function awsErrorText(error: unknown): string {
  const e = error as { name?: string; message?: string };
  const message = (e.message ?? "").split("\n")[0] ?? "";
  return e.name && !message.startsWith(e.name) ? `${e.name}: ${message}` : message || String(error);
}
