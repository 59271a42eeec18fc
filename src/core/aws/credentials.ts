import { SettingsError } from "../errors.js";

/** Long-lived or session keys. Values are held in memory only and never printed. */
export interface StaticAwsCredentials {
  readonly kind: "static";
  /** AWS access key id. */
  readonly accessKeyId: string;
  /** AWS secret access key. */
  readonly secretAccessKey: string;
  /** Session token, for temporary credentials. @default undefined */
  readonly sessionToken?: string;
}

/** GitHub OIDC: a web identity token exchanged for a role's temporary credentials via STS. */
export interface WebIdentityAwsCredentials {
  readonly kind: "web-identity";
  /** ARN of the role to assume, e.g. `arn:aws:iam::123456789012:role/deploy`. */
  readonly roleArn: string;
  /** The OIDC token (GitHub's `ACTIONS_ID_TOKEN`), a secret. */
  readonly webIdentityToken: string;
  /** Session name shown in CloudTrail. @default "faultmaven-deploy" */
  readonly sessionName?: string;
}

export type AwsCredentialsInput = StaticAwsCredentials | WebIdentityAwsCredentials;

/**
 * Checks that every credential is present and non-empty, without revealing any value.
 * @throws SettingsError naming the missing argument and how to pass it.
 */
export function validateCredentials(credentials: AwsCredentialsInput | undefined): AwsCredentialsInput {
  if (!credentials) {
    throw new SettingsError(
      "no AWS credentials: pass --aws-access-key-id and --aws-secret-access-key, or --aws-role-arn with --aws-web-identity-token",
    );
  }
  const empty = (v: string | undefined) => v === undefined || v.trim() === "";
  if (credentials.kind === "static") {
    if (empty(credentials.accessKeyId))
      throw new SettingsError(
        "AWS access key id is missing or empty: pass --aws-access-key-id=env:AWS_ACCESS_KEY_ID with a non-empty value",
      );
    if (empty(credentials.secretAccessKey))
      throw new SettingsError(
        "AWS secret access key is missing or empty: pass --aws-secret-access-key=env:AWS_SECRET_ACCESS_KEY with a non-empty value",
      );
    if (credentials.sessionToken !== undefined && empty(credentials.sessionToken)) {
      throw new SettingsError("AWS session token was passed but is empty: drop --aws-session-token or give it a value");
    }
    return credentials;
  }
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(credentials.roleArn)) {
    throw new SettingsError(
      `AWS role ARN ${JSON.stringify(credentials.roleArn.slice(0, 120))} is not arn:aws:iam::<account>:role/<name>: fix --aws-role-arn`,
    );
  }
  if (empty(credentials.webIdentityToken))
    throw new SettingsError(
      "AWS web identity token is missing or empty: pass --aws-web-identity-token (GitHub OIDC token)",
    );
  return credentials;
}
