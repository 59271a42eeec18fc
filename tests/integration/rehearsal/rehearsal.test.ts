/**
 * The migration rehearsal script (src/core/rehearsal.ts) with the bundled service's own alembic,
 * env.py and driver, against a real Postgres (a fresh schema per case), judged by rehearsalVerdict.
 * The copies below plant the classic migration bugs: a downgrade that does nothing, one that
 * raises, one that is missing, one that leaves a type, a constraint, a default or a view behind, and
 * models that drifted; and the same bugs on a branched history joined by a merge revision, which must
 * pass when every downgrade is right.
 *
 * Needs DATABASE_URL (scripts/setup/postgres-redis.sh) and the service's virtualenv that
 * scripts/service-checks.sh builds (PIPELINE_CACHE/venvs/auth-service-*).
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

import { describe, expect, it } from "vitest";

import { MigrationRehearsalError } from "../../../src/core/errors.js";
import { REHEARSAL_SCRIPT, rehearsalVerdict } from "../../../src/core/rehearsal.js";

const SERVICE = resolve(import.meta.dirname, "../../../examples/auth-service");

function servicePython(): string {
  const venvs = join(process.env.PIPELINE_CACHE ?? "/var/cache/faultmaven-pipeline", "venvs");
  const venv = existsSync(venvs) ? readdirSync(venvs).find((d) => d.startsWith("auth-service-")) : undefined;
  if (!venv) throw new Error(`no auth-service virtualenv under ${venvs}: run scripts/service-checks.sh first`);
  return join(venvs, venv, "bin", "python");
}

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: eval "$(scripts/setup/postgres-redis.sh start)"');
  return url;
}

/** A copy of the service's migration files, with `files` planted (paths relative to its root). */
function serviceCopy(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "rehearsal-"));
  for (const part of ["alembic.ini", "migrations", "enterprise"]) {
    cpSync(join(SERVICE, part), join(dir, part), { recursive: true, filter: (p) => !p.includes("__pycache__") });
  }
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

const run = promisify(execFile);

/** Runs the rehearsal in `dir` on a fresh schema; returns the verdict or its error. */
async function rehearse(dir: string, env: Record<string, string> = {}): Promise<{ summary?: string; error?: Error }> {
  const python = servicePython();
  const schema = `rehearsal_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await run(python, [
    "-c",
    `import psycopg\nwith psycopg.connect(${JSON.stringify(databaseUrl())}, autocommit=True) as c: c.execute('CREATE SCHEMA ${schema}')`,
  ]);
  const url = new URL(databaseUrl());
  url.searchParams.set("options", `-csearch_path=${schema}`);
  writeFileSync(join(dir, "rehearse.py"), REHEARSAL_SCRIPT);
  let exitCode = 0;
  let output: string;
  try {
    const done = await run(python, ["rehearse.py"], {
      cwd: dir,
      env: { ...process.env, ...env, DATABASE_URL: url.toString() },
    });
    output = done.stdout + done.stderr;
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    exitCode = failed.code ?? 1;
    output = `${failed.stdout ?? ""}${failed.stderr ?? ""}`;
  }
  try {
    return { summary: rehearsalVerdict(exitCode, output) };
  } catch (error) {
    return { error: error as Error };
  }
}

/** A revision file: `down` is one parent or a tuple of them (a merge revision); no `downgrade` body, no downgrade(). */
function revisionFile(id: string, down: string | string[], upgrade: string, downgrade: string | undefined): string {
  const parents = Array.isArray(down) ? `(${down.map((d) => JSON.stringify(d)).join(", ")})` : JSON.stringify(down);
  return [
    '"""planted"""',
    "import sqlalchemy as sa",
    "from alembic import op",
    `revision = ${JSON.stringify(id)}`,
    `down_revision = ${parents}`,
    "branch_labels = None",
    "depends_on = None",
    "",
    "def upgrade() -> None:",
    `    ${upgrade}`,
    ...(downgrade === undefined ? [] : ["", "def downgrade() -> None:", `    ${downgrade}`]),
    "",
  ].join("\n");
}

/** A second revision after 0001 with the given upgrade and downgrade bodies (or none). */
const revision0002 = (upgrade: string, downgrade: string | undefined) =>
  revisionFile("0002", "0001", upgrade, downgrade);

/** Leaves the models out of the rehearsal: env.py gives alembic no target_metadata. */
function withoutTargetMetadata(dir: string): string {
  const env = join(dir, "migrations", "env.py");
  writeFileSync(env, readFileSync(env, "utf8").replace("target_metadata = Base.metadata", "target_metadata = None"));
  return dir;
}

const createTable = (name: string) => `op.create_table("${name}", sa.Column("id", sa.Integer, primary_key=True))`;
const dropTable = (name: string) => `op.drop_table("${name}")`;

/**
 * Two branches off 0001 (each adds a table) joined by merge revision 0003, with the models left out of
 * the comparison (the planted tables are in no model). `broken` replaces one revision's downgrade.
 */
function mergedHistory(broken: Partial<Record<"0002a" | "0002b" | "0003", string>> = {}): string {
  const dir = serviceCopy({
    "migrations/versions/0002_side_a.py": revisionFile(
      "0002a",
      "0001",
      createTable("side_a"),
      broken["0002a"] ?? dropTable("side_a"),
    ),
    "migrations/versions/0002_side_b.py": revisionFile(
      "0002b",
      "0001",
      createTable("side_b"),
      broken["0002b"] ?? dropTable("side_b"),
    ),
    "migrations/versions/0003_merge.py": revisionFile(
      "0003",
      ["0002a", "0002b"],
      broken["0003"] ? createTable("merged") : "pass",
      broken["0003"] ?? "pass",
    ),
  });
  return withoutTargetMetadata(dir);
}

const ADD_COLUMN = 'op.add_column("users", sa.Column("nickname", sa.String(40), nullable=True))';
const DROP_COLUMN = 'op.drop_column("users", "nickname")';

describe("migration rehearsal", () => {
  it("passes the bundled service: upgrade, downgrade to base, upgrade again, models match", async () => {
    const result = await rehearse(serviceCopy());
    expect(result.error).toBeUndefined();
    expect(result.summary).toBe(
      "migration rehearsal: upgrade head (1 revision: 0001) → downgrade base → upgrade head; models match the migrated schema",
    );
  });

  it.each([
    [
      "a downgrade that does nothing",
      revision0002(ADD_COLUMN, "pass"),
      /downgrade base at revision 0002: downgrade\(\) does not undo upgrade\(\): table users differs/,
    ],
    [
      "a downgrade that raises",
      revision0002(ADD_COLUMN, 'raise NotImplementedError("irreversible")'),
      /downgrade base at revision 0002: NotImplementedError: irreversible/,
    ],
    [
      "no downgrade at all",
      revision0002(ADD_COLUMN, undefined),
      /downgrade base at revision 0002: AttributeError: .*downgrade/,
    ],
    [
      "a downgrade that leaves a type behind",
      revision0002(
        'sa.Enum("a", "b", name="planted_kind").create(op.get_bind()); op.add_column("users", sa.Column("kind", sa.Enum("a", "b", name="planted_kind", create_type=False), nullable=True))',
        'op.drop_column("users", "kind")',
      ),
      /at revision 0002: downgrade\(\) does not undo upgrade\(\): type planted_kind is left behind/,
    ],
    // Three that alembic check never sees, and that break only a later upgrade after a rollback.
    [
      "a downgrade that leaves a check constraint behind",
      revision0002('op.create_check_constraint("ck_planted", "users", "length(email) > 3")', "pass"),
      /at revision 0002: downgrade\(\) does not undo upgrade\(\): table users differs in its check constraints/,
    ],
    [
      "a downgrade that leaves a server default behind",
      revision0002('op.alter_column("users", "email", server_default="nobody@example.com")', "pass"),
      /at revision 0002: downgrade\(\) does not undo upgrade\(\): table users differs in its columns/,
    ],
    [
      "a downgrade that leaves a view behind",
      revision0002('op.execute("CREATE VIEW planted_view AS SELECT email FROM users")', "pass"),
      /at revision 0002: downgrade\(\) does not undo upgrade\(\): view planted_view is left behind/,
    ],
    [
      "models that drifted from the migrations",
      revision0002(ADD_COLUMN, DROP_COLUMN),
      /the models against the migrated schema \(alembic check\): .*nickname/,
    ],
  ])("fails on %s, naming where", async (_case, migration, expected) => {
    const result = await rehearse(serviceCopy({ "migrations/versions/0002_planted.py": migration }));
    expect(result.error).toBeInstanceOf(MigrationRehearsalError);
    expect(result.error?.message).toMatch(expected);
  });

  it("passes a branched history joined by a merge revision when every downgrade is right", async () => {
    const result = await rehearse(mergedHistory());
    expect(result.error).toBeUndefined();
    expect(result.summary).toMatch(
      /^migration rehearsal: upgrade head \(4 revisions: 0001, 0002[ab], 0002[ab], 0003\) → downgrade base → upgrade head;/,
    );
  });

  it.each([
    [
      "a branch whose downgrade does nothing",
      { "0002b": "pass" },
      /at revision 0002b: downgrade\(\) does not undo upgrade\(\): table side_b is left behind/,
    ],
    [
      "a branch whose downgrade raises",
      { "0002a": 'raise NotImplementedError("irreversible")' },
      /at revision 0002a: NotImplementedError: irreversible/,
    ],
    [
      "a merge revision whose downgrade does nothing",
      { "0003": "pass" },
      /at revision 0003: downgrade\(\) does not undo upgrade\(\): table merged is left behind/,
    ],
  ])("fails on %s in a merged history, naming that revision", async (_case, broken, expected) => {
    const result = await rehearse(mergedHistory(broken));
    expect(result.error).toBeInstanceOf(MigrationRehearsalError);
    expect(result.error?.message).toMatch(expected);
  });

  it("fails on two heads, naming them", async () => {
    const dir = serviceCopy({
      "migrations/versions/0002_side_a.py": revisionFile("0002a", "0001", createTable("side_a"), dropTable("side_a")),
      "migrations/versions/0002_side_b.py": revisionFile("0002b", "0001", createTable("side_b"), dropTable("side_b")),
    });
    const result = await rehearse(dir);
    expect(result.error?.message).toMatch(
      /^migration rehearsal failed: the migration history: 2 heads \(0002[ab], 0002[ab]\); merge them with alembic merge heads$/,
    );
  });

  it("says so when env.py gives alembic no target_metadata, and still rehearses", async () => {
    const result = await rehearse(withoutTargetMetadata(serviceCopy()));
    expect(result.summary).toMatch(/; models not compared \(env\.py gives alembic no target_metadata\)$/);
  });

  it("rehearses with an alembic older than 1.9, saying the models were not compared", async () => {
    // A fake of alembic < 1.9 (checked by hand against a real 1.8.1): a sitecustomize removes `check`.
    const dir = serviceCopy();
    const shim = mkdtempSync(join(tmpdir(), "old-alembic-"));
    writeFileSync(
      join(shim, "sitecustomize.py"),
      "import alembic, alembic.command\ndel alembic.command.check\nalembic.__version__ = '1.8.1'\n",
    );
    const result = await rehearse(dir, { PYTHONPATH: shim });
    expect(result.summary).toMatch(/; models not compared \(alembic 1\.8\.1 predates alembic check, added in 1\.9\)$/);
  });

  it("fails with the output when the rehearsal cannot start (no alembic.ini)", async () => {
    const dir = serviceCopy();
    rmSync(join(dir, "alembic.ini"));
    const result = await rehearse(dir);
    expect(result.error?.message).toMatch(/^migration rehearsal could not run \(exit 1\)/);
  });
});
