import { randomUUID } from "node:crypto";
import { dag, type Secret } from "@dagger.io/dagger";

/**
 * `secret` when it holds exactly `value`, else a new Secret holding `value` (a token with its surrounding
 * whitespace trimmed): what reaches a container or a registry login is the checked value. The new Secret's name is
 * random, derived from nothing secret.
 */
export function secretOf(secret: Secret, raw: string | undefined, value: string): Secret {
  return raw === value ? secret : dag.setSecret(`checked-token-${randomUUID()}`, value);
}
