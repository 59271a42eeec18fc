/**
 * Fault injection for states moto cannot produce. Each fault wraps a REAL moto-backed client and changes only
 * the named state, keyed by operation name (and deployment id / startedBy), never by call order.
 */
import {
  UpdateServiceCommand,
  type DescribeServicesCommandOutput,
  type DescribeTasksCommandOutput,
  type UpdateServiceCommandOutput,
} from "@aws-sdk/client-ecs";
import type { AwsClients } from "../../../src/core/aws/clients.js";
import { motoClients } from "../../support/moto.js";

type Handler = (args: { input: unknown }) => Promise<{ output: unknown }>;
interface Stack {
  add(
    mw: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: string; name: string; priority?: string },
  ): void;
}

/** Runs `after(output, input)` on every response of `operation` (e.g. `DescribeServices`) before the caller sees it. */
export function onResponse<T>(
  client: { middlewareStack: unknown },
  operation: string,
  after: (output: T, input: Record<string, unknown>) => void | Promise<void>,
): void {
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === `${operation}Command`)
        await after(result.output as T, args.input as Record<string, unknown>);
      return result;
    },
    { step: "initialize", name: `fault-after-${operation}-${Math.random()}` },
  );
}

/** Runs `before(input)` before every request of `operation` is sent. */
export function onRequest(
  client: { middlewareStack: unknown },
  operation: string,
  before: (input: Record<string, unknown>) => void | Promise<void>,
): void {
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      if (context.commandName === `${operation}Command`) await before(args.input as Record<string, unknown>);
      return next(args);
    },
    { step: "initialize", name: `fault-before-${operation}-${Math.random()}` },
  );
}

/** Remembers the PRIMARY deployment id of the FIRST UpdateService (the deploy's rollout, not a later rollback). */
export function rolloutDeploymentId(clients: AwsClients): { id?: string } {
  const captured: { id?: string } = {};
  onResponse<UpdateServiceCommandOutput>(clients.ecs, "UpdateService", (out) => {
    captured.id ??= out.service?.deployments?.find((d) => d.status === "PRIMARY")?.id;
  });
  return captured;
}

/** FAKE rollout FAILED: DescribeServices reports the deploy's deployment as rolloutState FAILED. */
export function fakeRolloutFailed(clients: AwsClients): void {
  const rollout = rolloutDeploymentId(clients);
  onResponse<DescribeServicesCommandOutput>(clients.ecs, "DescribeServices", (out) => {
    for (const d of out.services?.[0]?.deployments ?? []) {
      if (d.id === rollout.id)
        Object.assign(d, {
          rolloutState: "FAILED",
          rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
          failedTasks: 3,
        });
    }
  });
}

/** FAKE stuck rollout: the deploy's deployment stays IN_PROGRESS with 1 of 2 tasks running, forever. */
export function fakeStuckInProgress(clients: AwsClients): void {
  const rollout = rolloutDeploymentId(clients);
  onResponse<DescribeServicesCommandOutput>(clients.ecs, "DescribeServices", (out) => {
    for (const d of out.services?.[0]?.deployments ?? []) {
      if (d.id === rollout.id) Object.assign(d, { rolloutState: "IN_PROGRESS", runningCount: 1 });
    }
  });
}

/**
 * FAKE circuit-breaker rollback: the first time DescribeServices is asked about the deploy's deployment, do what
 * ECS's circuit breaker does — roll the REAL moto service back to `previousArn` under a new deployment id — so
 * the deploy's deployment id is gone from every later answer.
 */
export function fakeCircuitBreakerRollback(
  clients: AwsClients,
  environment: { cluster: string; service: string },
  previousArn: string,
): { triggered: boolean } {
  const rollout = rolloutDeploymentId(clients);
  const state = { triggered: false };
  onRequest(clients.ecs, "DescribeServices", async () => {
    if (!rollout.id || state.triggered) return;
    state.triggered = true;
    const ecs = (await motoClients()).ecs; // unrecorded: this is "ECS", not the pipeline
    await ecs.send(
      new UpdateServiceCommand({
        cluster: environment.cluster,
        service: environment.service,
        taskDefinition: previousArn,
        forceNewDeployment: true,
      }),
    );
    ecs.destroy();
  });
  return state;
}

/** Rewrites the migration task (startedBy faultmaven-migrate) in DescribeTasks answers once it is STOPPED. */
export function fakeMigrationTask(
  clients: AwsClients,
  rewrite: (task: NonNullable<DescribeTasksCommandOutput["tasks"]>[number]) => void,
): void {
  onResponse<DescribeTasksCommandOutput>(clients.ecs, "DescribeTasks", (out) => {
    for (const task of out.tasks ?? [])
      if (task.startedBy === "faultmaven-migrate" && task.lastStatus === "STOPPED") rewrite(task);
  });
}

/** FAKE STS throttling: the first `times` GetCallerIdentity attempts fail with ThrottlingException (retried by the SDK). */
export function fakeStsThrottling(clients: AwsClients, times: number): { attempts: number } {
  const state = { attempts: 0 };
  (clients.sts.middlewareStack as unknown as Stack).add(
    (next, context) => async (args) => {
      if (context.commandName !== "GetCallerIdentityCommand") return next(args);
      state.attempts += 1;
      if (state.attempts <= times) {
        throw Object.assign(new Error("Rate exceeded"), {
          name: "ThrottlingException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          $retryable: { throttling: true },
        });
      }
      return next(args);
    },
    // Below the SDK's retry middleware, so each throttled attempt is retried as it would be against AWS.
    { step: "deserialize", name: "fault-sts-throttle" },
  );
  return state;
}

/**
 * FAKE AWS error on `operation`: the first `times` attempts (counted across the SDK's own retries, since this sits
 * below its retry middleware) fail with `name` (ThrottlingException, a 503, AccessDeniedException...).
 */
export function fakeAwsError(
  client: { middlewareStack: unknown },
  operation: string,
  times: number,
  name = "ThrottlingException",
  status = 400,
): { attempts: number; failed: number } {
  const state = { attempts: 0, failed: 0 };
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      if (context.commandName !== `${operation}Command`) return next(args);
      state.attempts += 1;
      if (state.failed < times) {
        state.failed += 1;
        throw Object.assign(new Error(`${name} (fake)`), {
          name,
          $fault: status >= 500 ? "server" : "client",
          $metadata: { httpStatusCode: status },
          ...(name === "ThrottlingException" ? { $retryable: { throttling: true } } : {}),
        });
      }
      return next(args);
    },
    { step: "deserialize", name: `fault-${operation}-${name}-${Math.random()}` },
  );
  return state;
}
