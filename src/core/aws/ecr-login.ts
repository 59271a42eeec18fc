import { GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { PreflightError } from "../errors.js";
import type { AwsClients } from "./clients.js";
import { awsErrorText } from "./clients.js";

/** Registry credentials from ECR. `password` is a secret: hand it to the registry client only. */
export interface RegistryLogin {
  /** Registry host, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com`. */
  readonly registry: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Gets a registry login from ECR GetAuthorizationToken (a 12-hour token, decoded from `user:password`).
 * @throws PreflightError when ECR refuses or answers malformed data.
 */
export async function ecrLogin(clients: Pick<AwsClients, "ecr">): Promise<RegistryLogin> {
  let data;
  try {
    data = (await clients.ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0];
  } catch (error) {
    throw new PreflightError(
      `ECR GetAuthorizationToken failed (${awsErrorText(error)}): the credentials need ecr:GetAuthorizationToken`,
    );
  }
  if (!data?.authorizationToken || !data.proxyEndpoint)
    throw new PreflightError(
      "ECR GetAuthorizationToken returned no token: retry, or check the ECR service in this region",
    );
  const decoded = Buffer.from(data.authorizationToken, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw new PreflightError("ECR authorization token is not user:password: retry the login");
  return {
    registry: data.proxyEndpoint.replace(/^https?:\/\//, "").replace(/\/$/, ""),
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}
