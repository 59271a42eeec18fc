import { describe, expect, it } from "vitest";
import { buildCodecovPayload, codecovRefContext } from "../../../src/core/codecov/upload.js";

describe("buildCodecovPayload", () => {
  it("frames each report with # path= and <<<<<< EOF", () => {
    expect(
      buildCodecovPayload([
        { path: "coverage.xml", content: "<coverage/>" },
        { path: "lcov.info", content: "TN:\n" },
      ]),
    ).toBe("# path=coverage.xml\n<coverage/>\n<<<<<< EOF\n# path=lcov.info\nTN:\n<<<<<< EOF\n");
  });
  it("puts the network section first when files are given", () => {
    expect(buildCodecovPayload([{ path: "c.xml", content: "x" }], ["enterprise/main.py", "enterprise/db.py"])).toBe(
      "enterprise/main.py\nenterprise/db.py\n<<<<<< network\n# path=c.xml\nx\n<<<<<< EOF\n",
    );
  });
});

describe("codecovRefContext", () => {
  it.each([
    ["refs/heads/main", { branch: "main" }],
    ["refs/heads/feature/sso", { branch: "feature/sso" }],
    ["refs/pull/12/merge", { pullRequest: 12 }],
    ["refs/tags/v1.2.3", {}],
    ["main", {}],
  ])("%s", (ref, expected) => {
    expect(codecovRefContext(ref)).toEqual(expected);
  });
});
