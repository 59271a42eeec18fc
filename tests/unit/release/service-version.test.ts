import { describe, expect, it } from "vitest";
import { ReleaseError } from "../../../src/core/errors.js";
import { assertServiceVersion } from "../../../src/core/release/service-version.js";

const check = (content: string | undefined) => () =>
  assertServiceVersion({ path: "enterprise/main.py", content, expected: "1.2.3", tag: "v1.2.3" });

describe("assertServiceVersion", () => {
  it.each([`__version__ = "1.2.3"\n`, `x = 1\n__version__='1.2.3'\n`, `__version__: str = "1.2.3"\n`])(
    "accepts %j",
    (content) => {
      expect(check(content)).not.toThrow();
    },
  );

  it.each([
    [`__version__ = "1.2.2"\n`, /enterprise\/main\.py says __version__ = "1\.2\.2" but the release is v1\.2\.3/],
    [`__version__ = "v1.2.3"\n`, /says __version__ = "v1\.2\.3"/],
    [`VERSION = "1.2.3"\n`, /enterprise\/main\.py has no __version__/],
    [`  __version__ = "1.2.3"\n`, /has no __version__/], // indented: not the module-level assignment
    [undefined, /version file enterprise\/main\.py is not in the commit tagged v1\.2\.3/],
  ])("refuses %j naming the file", (content, message) => {
    expect(check(content)).toThrow(ReleaseError);
    expect(check(content)).toThrow(message);
  });
});
