import { randomUUID } from "node:crypto";
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { PreflightError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorText } from "../aws/clients.js";

/**
 * The deploy lock: one DynamoDB item per service (`lockId` = `cluster/service`), written with a conditional
 * PutItem that succeeds only when no item exists or the existing one has expired. Every deploy, from a laptop or
 * CI, takes it before its first change and deletes it (only if still its own) in every outcome; `expiresAt`
 * (epoch seconds, also usable as the table's TTL attribute) frees the service if a run crashes.
 */
export interface DeployLock {
  readonly table: string;
  readonly lockId: string;
  /** This run's random owner id. */
  readonly owner: string;
  readonly expiresAt: number;
}

/** Who holds a lock, as read from the table. */
export interface LockHolder {
  readonly owner: string;
  readonly holder: string;
  readonly expiresAt: number;
}

/** Options of `acquireDeployLock`. */
export interface AcquireLockOptions {
  readonly clients: Pick<AwsClients, "dynamodb">;
  readonly table: string;
  readonly cluster: string;
  readonly service: string;
  /** How long the lock holds without being released (the run's longest possible duration). */
  readonly ttlMs: number;
  /** Who takes it, shown to a refused deploy (e.g. `deploy staging-abc1234`). */
  readonly holder: string;
  /** Wall clock in ms. @default Date.now */
  readonly now?: () => number;
}

/**
 * Takes the lock or refuses with a one-line PreflightError that names the holder and when it expires.
 * @throws PreflightError when another unexpired run holds it, or the table cannot be written.
 */
export async function acquireDeployLock(options: AcquireLockOptions): Promise<DeployLock> {
  const now = (options.now ?? Date.now)();
  const lock: DeployLock = {
    table: options.table,
    lockId: `${options.cluster}/${options.service}`,
    owner: randomUUID(),
    expiresAt: Math.ceil((now + options.ttlMs) / 1000),
  };
  try {
    await options.clients.dynamodb.send(
      new PutItemCommand({
        TableName: lock.table,
        Item: {
          lockId: { S: lock.lockId },
          owner: { S: lock.owner },
          holder: { S: options.holder.slice(0, 200) },
          expiresAt: { N: String(lock.expiresAt) },
        },
        ConditionExpression: "attribute_not_exists(lockId) OR expiresAt < :now",
        ExpressionAttributeValues: { ":now": { N: String(Math.floor(now / 1000)) } },
      }),
    );
    return lock;
  } catch (error) {
    if (
      error instanceof ConditionalCheckFailedException ||
      (error as Error).name === "ConditionalCheckFailedException"
    ) {
      const held = await readDeployLock(options.clients, lock.table, lock.lockId).catch(() => undefined);
      const who = held ? `${held.holder}, until ${new Date(held.expiresAt * 1000).toISOString()}` : "another run";
      throw new PreflightError(
        `${lock.lockId} is locked by ${who} (DynamoDB ${lock.table}): one deploy at a time; wait for it to finish, then rerun`,
      );
    }
    throw new PreflightError(
      `cannot take the deploy lock in DynamoDB table ${lock.table} (${awsErrorText(error)}): create the table (docs/deploy.md) and grant dynamodb:PutItem/GetItem/DeleteItem`,
    );
  }
}

/** The current holder of `lockId`, read consistently, or undefined when free. */
export async function readDeployLock(
  clients: Pick<AwsClients, "dynamodb">,
  table: string,
  lockId: string,
): Promise<LockHolder | undefined> {
  const out = await clients.dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { lockId: { S: lockId } }, ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  return {
    owner: out.Item.owner?.S ?? "",
    holder: out.Item.holder?.S ?? "unknown",
    expiresAt: Number(out.Item.expiresAt?.N ?? "0"),
  };
}

/**
 * Whether `lock` is still this run's and unexpired (checked just before UpdateService). Returns why not, or
 * undefined when it is. A read error counts as "not sure", which is not good enough to change the service.
 */
export async function lockLostReason(
  clients: Pick<AwsClients, "dynamodb">,
  lock: DeployLock,
  now: () => number = Date.now,
): Promise<string | undefined> {
  let held: LockHolder | undefined;
  try {
    held = await readDeployLock(clients, lock.table, lock.lockId);
  } catch (error) {
    return `the deploy lock could not be read (${awsErrorText(error)})`;
  }
  if (!held) return "the deploy lock is gone (deleted by someone else)";
  if (held.owner !== lock.owner) return `the deploy lock is now held by ${held.holder}`;
  if (held.expiresAt * 1000 <= now()) return "the deploy lock expired";
  return undefined;
}

/** Deletes the lock if it is still this run's. Returns a warning instead of throwing. */
export async function releaseDeployLock(
  clients: Pick<AwsClients, "dynamodb">,
  lock: DeployLock,
): Promise<string | undefined> {
  try {
    await clients.dynamodb.send(
      new DeleteItemCommand({
        TableName: lock.table,
        Key: { lockId: { S: lock.lockId } },
        ConditionExpression: "#owner = :me",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":me": { S: lock.owner } },
      }),
    );
    return undefined;
  } catch (error) {
    if ((error as Error).name === "ConditionalCheckFailedException")
      return "the deploy lock was no longer ours at release";
    return `the deploy lock could not be released (${awsErrorText(error)}); it expires at ${new Date(lock.expiresAt * 1000).toISOString()}`;
  }
}
