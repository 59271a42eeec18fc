import { AssumeRoleWithWebIdentityCommand, type STSClient } from "@aws-sdk/client-sts";

/** Temporary credentials with the time they stop working. */
export interface ExpiringCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Options of `webIdentityProvider`. */
export interface WebIdentityProviderOptions {
  /** Unsigned STS client used for AssumeRoleWithWebIdentity (the token is the proof). */
  readonly sts: STSClient;
  readonly roleArn: string;
  /** The OIDC token; a secret, sent to STS only. */
  readonly webIdentityToken: string;
  readonly sessionName: string;
  /** Lifetime asked for each session. @default 3600 */
  readonly durationSeconds?: number;
  /** Re-assume when the session has less than this left. @default 600000 (10 min) */
  readonly refreshBeforeMs?: number;
  /** Wall clock in ms (injectable for tests). @default Date.now */
  readonly now?: () => number;
}

/**
 * A credential provider that assumes the role once and again whenever the session is within `refreshBeforeMs`
 * of expiring, so a long deploy's rollback never runs on expired credentials. Concurrent callers share one
 * AssumeRoleWithWebIdentity. The SDK calls it again by itself when the returned `expiration` comes near.
 */
export function webIdentityProvider(options: WebIdentityProviderOptions): () => Promise<ExpiringCredentials> {
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? 600_000;
  let current: ExpiringCredentials | undefined;
  let inFlight: Promise<ExpiringCredentials> | undefined;
  const fresh = (c: ExpiringCredentials | undefined): c is ExpiringCredentials =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now() > refreshBeforeMs);
  const assume = async (): Promise<ExpiringCredentials> => {
    const out = await options.sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: options.roleArn,
        WebIdentityToken: options.webIdentityToken,
        RoleSessionName: options.sessionName,
        DurationSeconds: options.durationSeconds ?? 3600,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("STS returned no credentials");
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
    };
  };
  return async () => {
    if (fresh(current)) return current;
    inFlight ??= assume().finally(() => {
      inFlight = undefined;
    });
    current = await inFlight;
    return current;
  };
}
