import { DescribeTasksCommand, ListTasksCommand, type Task, type TaskDefinition } from "@aws-sdk/client-ecs";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorText } from "../aws/clients.js";

/** One stopped task, as ecspresso and ecs-deploy print it: why it stopped, each container's exit, its last log lines. */
export interface StoppedTask {
  readonly taskArn: string;
  readonly taskDefinitionArn?: string;
  readonly stoppedReason?: string;
  readonly stopCode?: string;
  readonly containers: readonly { name: string; exitCode?: number; reason?: string }[];
  /** Last lines of the deployed container's CloudWatch stream (awslogs), oldest first. */
  readonly logTail: readonly string[];
}

/**
 * The stopped tasks of `taskDefinition` in the service (at most `limit`, newest ECS lists first), with their log
 * tails. Never throws: diagnostics must not change an outcome; a failure to read them is returned as a warning.
 */
export async function stoppedServiceTasks(input: {
  readonly clients: Pick<AwsClients, "ecs" | "logs">;
  readonly cluster: string;
  readonly service: string;
  readonly taskDefinition: TaskDefinition;
  readonly containerName: string;
  readonly limit?: number;
}): Promise<{ tasks: StoppedTask[]; warning?: string }> {
  const { clients, cluster } = input;
  try {
    const listed = await clients.ecs.send(
      new ListTasksCommand({ cluster, serviceName: input.service, desiredStatus: "STOPPED" }),
    );
    const arns = (listed.taskArns ?? []).slice(0, 100);
    if (arns.length === 0) return { tasks: [] };
    const described = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
    const ours = (described.tasks ?? [])
      .filter((t) => t.taskDefinitionArn === input.taskDefinition.taskDefinitionArn && t.lastStatus === "STOPPED")
      .slice(0, input.limit ?? 3);
    const tasks: StoppedTask[] = [];
    for (const task of ours)
      tasks.push(await describeStopped(clients, task, input.taskDefinition, input.containerName));
    return { tasks };
  } catch (error) {
    return {
      tasks: [],
      warning: `could not read the stopped tasks of ${cluster}/${input.service} (${awsErrorText(error)})`,
    };
  }
}

/** A stopped task's report entry, with the log tail of `containerName`. */
export async function describeStopped(
  clients: Pick<AwsClients, "logs">,
  task: Task,
  taskDefinition: TaskDefinition,
  containerName: string,
): Promise<StoppedTask> {
  return {
    taskArn: task.taskArn ?? "?",
    ...(task.taskDefinitionArn ? { taskDefinitionArn: task.taskDefinitionArn } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    containers: (task.containers ?? []).map((c) => ({
      name: c.name ?? "?",
      ...(c.exitCode !== undefined && c.exitCode !== null ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
    logTail: await containerLogTail(clients, taskDefinition, containerName, task.taskArn ?? ""),
  };
}

/**
 * The last lines of a task's container log, where the task definition's awslogs options say it is
 * (`<group>`, stream `<prefix>/<container>/<task id>`). Empty when not on awslogs or unreadable.
 */
export async function containerLogTail(
  clients: Pick<AwsClients, "logs">,
  taskDefinition: TaskDefinition,
  containerName: string,
  taskArn: string,
  limit = 20,
): Promise<string[]> {
  const logConfig = taskDefinition.containerDefinitions?.find((c) => c.name === containerName)?.logConfiguration;
  const group = logConfig?.options?.["awslogs-group"];
  const prefix = logConfig?.options?.["awslogs-stream-prefix"];
  if (logConfig?.logDriver !== "awslogs" || !group || !prefix) return [];
  try {
    const out = await clients.logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: `${prefix}/${containerName}/${taskArn.split("/").pop() ?? ""}`,
        limit,
        startFromHead: false,
      }),
    );
    return (out.events ?? []).map((e) => (e.message ?? "").trimEnd()).filter((m) => m !== "");
  } catch {
    return [];
  }
}
