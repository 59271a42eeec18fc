import { ECSClient } from "@aws-sdk/client-ecs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { STSClient, AssumeRoleWithWebIdentityCommand } from "@aws-sdk/client-sts";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { PreflightError, SettingsError } from "../errors.js";
import { ApiCallLog } from "./api-calls.js";
import { validateCredentials, type AwsCredentialsInput } from "./credentials.js";

/** The AWS clients a deploy uses, all pointed at one region and endpoint and recorded in one call log. */
export interface AwsClients {
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly sts: STSClient;
  readonly logs: CloudWatchLogsClient;
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
  /** Attempts per call, including the first, for throttling and transient errors. @default 3 */
  readonly maxAttempts?: number;
  /** Call log to append to (shared across client sets). @default a new ApiCallLog */
  readonly calls?: ApiCallLog;
}

type SdkClient = ECSClient | ECRClient | STSClient | CloudWatchLogsClient;
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
  const base = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    // The endpoint is the caller's argument or AWS's own, never AWS_ENDPOINT_URL of whatever process runs this.
    ...(endpoint ? { endpoint } : { ignoreConfiguredEndpointUrls: true }),
  };
  let keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  if (credentials.kind === "static") {
    keys = {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    };
  } else {
    // AssumeRoleWithWebIdentity is unsigned: the token is the proof. Placeholder keys stop the SDK from
    // searching the host's own credential chain for a signer it does not need.
    const anonymous = new STSClient({
      ...base,
      credentials: { accessKeyId: "web-identity", secretAccessKey: "unused" },
    });
    recordCalls(anonymous, "STS", calls);
    try {
      const out = await anonymous.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: credentials.roleArn,
          WebIdentityToken: credentials.webIdentityToken,
          RoleSessionName: credentials.sessionName ?? "faultmaven-deploy",
          DurationSeconds: 3600,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("STS returned no credentials");
      keys = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      };
    } catch (error) {
      // The SDK's message never contains the token; keep only its first line.
      const why = ((error as Error).message || (error as Error).name).split("\n")[0];
      throw new PreflightError(
        `STS refused the web identity for ${credentials.roleArn} (${why}): check the role's trust policy for this repository and the token's audience`,
      );
    } finally {
      anonymous.destroy();
    }
  }
  const config = { ...base, credentials: keys };
  const ecs = new ECSClient(config);
  const ecr = new ECRClient(config);
  const sts = new STSClient(config);
  const logs = new CloudWatchLogsClient(config);
  recordCalls(ecs, "ECS", calls);
  recordCalls(ecr, "ECR", calls);
  recordCalls(sts, "STS", calls);
  recordCalls(logs, "CloudWatchLogs", calls);
  return { ecs, ecr, sts, logs, calls, region: options.region };
}

/** Closes the clients' sockets (tests and one-shot CLIs). */
export function destroyAwsClients(clients: AwsClients): void {
  clients.ecs.destroy();
  clients.ecr.destroy();
  clients.sts.destroy();
  clients.logs.destroy();
}

/** First line of an AWS SDK error, for one-line messages (SDK messages carry no credentials). */
export function awsErrorText(error: unknown): string {
  const e = error as { name?: string; message?: string };
  const message = (e.message ?? "").split("\n")[0] ?? "";
  return e.name && !message.startsWith(e.name) ? `${e.name}: ${message}` : message || String(error);
}
