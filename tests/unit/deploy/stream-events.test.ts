import { describe, expect, it } from "vitest";
import type { Service } from "@aws-sdk/client-ecs";
import { streamNewEvents } from "../../../src/core/deploy/rollout.js";

const service = (ids: string[]): Service => ({ events: ids.map((id) => ({ id, message: `m-${id}` })) });

describe("streamNewEvents", () => {
  it.each([
    ["first answer: oldest first", [], [["e3", "e2", "e1"]], ["m-e1", "m-e2", "m-e3"]],
    [
      "repeats are not streamed again",
      [],
      [
        ["e2", "e1"],
        ["e3", "e2", "e1"],
      ],
      ["m-e1", "m-e2", "m-e3"],
    ],
    ["events seen before the rollout are skipped", ["e1"], [["e2", "e1"]], ["m-e2"]],
    ["no events", [], [[]], []],
  ])("%s", (_name, seenBefore, answers, expected) => {
    const seen = new Set<string>(seenBefore as string[]);
    const streamed: string[] = [];
    for (const ids of answers as string[][]) streamNewEvents(service(ids), seen, (e) => streamed.push(e.message ?? ""));
    expect(streamed).toEqual(expected);
  });
});
