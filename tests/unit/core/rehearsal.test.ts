import { describe, expect, it } from "vitest";

import { MigrationRehearsalError } from "../../../src/core/errors.js";
import { parseRehearsal, rehearsalVerdict } from "../../../src/core/rehearsal.js";

const line = (fields: object) => `REHEARSAL ${JSON.stringify(fields)}`;
const passed = [
  "INFO  [alembic.runtime.migration] Running upgrade  -> 0001, initial schema",
  line({ step: "upgrade", ok: true, revisions: ["0001", "0002"] }),
  line({ step: "downgrade", ok: true, revisions: ["0001", "0002"] }),
  line({ step: "reupgrade", ok: true, revisions: ["0001", "0002"] }),
  line({ step: "models", ok: true }),
].join("\n");

describe("parseRehearsal", () => {
  it("reads only the REHEARSAL lines, in order", () => {
    expect(parseRehearsal(passed).map((s) => s.step)).toEqual(["upgrade", "downgrade", "reupgrade", "models"]);
  });
});

describe("rehearsalVerdict", () => {
  it("passes with the revisions and the models check", () => {
    expect(rehearsalVerdict(0, passed)).toBe(
      "migration rehearsal: upgrade head (2 revisions: 0001, 0002) → downgrade base → upgrade head; models match the migrated schema",
    );
  });

  it("says when the models could not be compared", () => {
    const output = passed.replace(
      line({ step: "models", ok: true }),
      line({ step: "models", ok: true, skipped: "no target_metadata" }),
    );
    expect(rehearsalVerdict(0, output)).toMatch(/; models not compared \(no target_metadata\)$/);
  });

  it.each([
    [
      line({ step: "downgrade", ok: false, revision: "0002", error: "NotImplementedError: irreversible" }),
      "migration rehearsal failed: downgrade base at revision 0002: NotImplementedError: irreversible; write a downgrade() that undoes its upgrade() exactly",
    ],
    [
      line({ step: "reupgrade", ok: false, revision: "0003", error: 'DuplicateObject: type "kind" already exists' }),
      'migration rehearsal failed: upgrade head after downgrade base at revision 0003: DuplicateObject: type "kind" already exists; make its downgrade() drop everything its upgrade() creates (types, sequences, indexes)',
    ],
    [
      line({
        step: "downgrade",
        ok: false,
        candidates: ["0002b", "0002a"],
        error: "downgrade() does not undo upgrade(): the schema differs",
      }),
      "migration rehearsal failed: downgrade base at one of the revisions 0002b, 0002a: downgrade() does not undo upgrade(): the schema differs; write a downgrade() that undoes its upgrade() exactly",
    ],
    [
      line({ step: "heads", ok: false, error: "2 heads (a1, b2)" }),
      "migration rehearsal failed: the migration history: 2 heads (a1, b2); merge them with alembic merge heads",
    ],
  ])("fails naming the step and the revision: %s", (output, message) => {
    expect(() => rehearsalVerdict(0, output)).toThrow(MigrationRehearsalError);
    expect(() => rehearsalVerdict(0, output)).toThrow(message);
  });

  it("fails with the output tail when the script stopped before reporting every step", () => {
    const output = `${line({ step: "upgrade", ok: true, revisions: ["0001"] })}\nTraceback: KeyError: 'DATABASE_URL'`;
    expect(() => rehearsalVerdict(1, output)).toThrow(/^migration rehearsal could not run \(exit 1\)[\s\S]*KeyError/);
    expect(() => rehearsalVerdict(0, "")).toThrow(/could not run \(exit 0\)/);
  });
});
