import { MigrationRehearsalError } from "./errors.js";
import { indent, tail } from "./output.js";

/**
 * The migration rehearsal: on a throwaway database, `upgrade head` one revision at a time, then
 * `downgrade base` one step at a time (each downgrade must restore the schema the upgrade left at
 * that point, on branched histories with merge revisions too), then `upgrade head` again; and, where
 * env.py gives alembic a `target_metadata`, `alembic check` (autogenerate finds no difference between
 * the models and the migrated schema).
 *
 * This Python runs in the service's own test container (its alembic, its env.py, its driver) and
 * prints one `REHEARSAL {json}` line per step; {@link rehearsalVerdict} judges them.
 */
export const REHEARSAL_SCRIPT = String.raw`
import json, os, sys, traceback
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

def emit(**fields):
    print("REHEARSAL " + json.dumps(fields), flush=True)

def reason(error):
    return (type(error).__name__ + ": " + str(error).strip())[:600]

def engine():
    url = make_url(os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    try:
        import psycopg  # noqa: F401
        url = url.set(drivername="postgresql+psycopg")
    except ImportError:
        url = url.set(drivername="postgresql+psycopg2")
    return create_engine(url)

# What the rehearsal reads of a table, and how: the inspector's method for one table, and SQLAlchemy 2's
# method that reads every table in one query (a snapshot follows every step, so this is most of its time).
FACETS = {
    "columns": ("get_columns", "get_multi_columns",
                lambda cs: sorted([c["name"], str(c["type"]), bool(c["nullable"]), str(c.get("default"))] for c in cs)),
    "primary key": ("get_pk_constraint", "get_multi_pk_constraint",
                    lambda pk: sorted((pk or {}).get("constrained_columns") or [])),
    "indexes": ("get_indexes", "get_multi_indexes", lambda ix: sorted(i["name"] or "" for i in ix)),
    "foreign keys": ("get_foreign_keys", "get_multi_foreign_keys", lambda fks: sorted(f.get("name") or "" for f in fks)),
    "unique constraints": ("get_unique_constraints", "get_multi_unique_constraints",
                           lambda us: sorted(u.get("name") or "" for u in us)),
    "check constraints": ("get_check_constraints", "get_multi_check_constraints",
                          lambda cs: sorted([c.get("name") or "", c.get("sqltext") or ""] for c in cs)),
}

def snapshot():
    # Everything a downgrade must put back: tables with their columns (type, nullability, server default), keys,
    # indexes and constraints, and the views, sequences and types outside them.
    eng = engine()
    try:
        insp = inspect(eng)
        names = sorted(n for n in insp.get_table_names() if n != "alembic_version")
        tables = {name: {} for name in names}
        for facet, (one, every, read) in FACETS.items():
            if hasattr(insp, every):
                found = {key[1]: value for key, value in getattr(insp, every)().items()}
                for name in names:
                    tables[name][facet] = read(found.get(name) or [])
            else:
                for name in names:
                    tables[name][facet] = read(getattr(insp, one)(name))
        return {
            "table": tables,
            "view": sorted(insp.get_view_names()),
            "sequence": sorted(insp.get_sequence_names()) if hasattr(insp, "get_sequence_names") else [],
            "type": sorted(e["name"] for e in insp.get_enums()) if hasattr(insp, "get_enums") else [],
        }
    finally:
        eng.dispose()

KINDS = ("table", "view", "sequence", "type")

def changed(a, b):
    # The names of every table, view, sequence and type that differs between two snapshots.
    names = {n for n in set(a["table"]) | set(b["table"]) if a["table"].get(n) != b["table"].get(n)}
    for kind in KINDS[1:]:
        names |= set(a[kind]) ^ set(b[kind])
    return names

def difference(expected, got):
    lines = []
    for kind in KINDS:
        lines += [kind + " " + n + " is left behind" for n in sorted(set(got[kind]) - set(expected[kind]))]
        lines += [kind + " " + n + " is missing" for n in sorted(set(expected[kind]) - set(got[kind]))]
    for name in sorted(set(expected["table"]) & set(got["table"])):
        was, now = expected["table"][name], got["table"][name]
        facets = [facet for facet in was if was[facet] != now[facet]]
        if facets:
            lines.append("table " + name + " differs in its " + ", ".join(facets))
    return ", ".join(lines) or "the schema differs"

config = Config("alembic.ini")
script = ScriptDirectory.from_config(config)
heads = script.get_heads()
if len(heads) != 1:
    emit(step="heads", ok=False, error=str(len(heads)) + " heads (" + ", ".join(heads) + ")")
    sys.exit(0)
chain = list(reversed(list(script.walk_revisions())))
revisions = [r.revision for r in chain]
position = {rev: i for i, rev in enumerate(revisions)}

def current_heads():
    eng = engine()
    try:
        with eng.connect() as conn:
            return frozenset(MigrationContext.configure(conn).get_current_heads())
    finally:
        eng.dispose()

def applied(heads):
    # The revisions a set of heads stands for, by alembic's own rules (down revisions and depends_on).
    return {r.revision for r in script.iterate_revisions(tuple(heads), "base")} if heads else set()

def named(revs):
    return {"revision": revs[0]} if len(revs) == 1 else {"candidates": revs}

def raised_in(error, revs):
    # The one revision whose file the traceback passes through, when a step ran several.
    files = {os.path.realpath(frame.filename) for frame in traceback.extract_tb(error.__traceback__)}
    hit = [r for r in revs if os.path.realpath(script.get_revision(r).path) in files]
    return hit if len(hit) == 1 else revs

def touching(expected, got, revs):
    # The one revision whose upgrade changed what the downgrade left wrong, when a step ran several.
    hit = [r for r in revs if touched.get(r, set()) & changed(expected, got)]
    return hit if len(hit) == 1 else revs

# The schema of every state the upgrade passes through, keyed by the heads alembic_version holds then, and the
# tables and types each revision's upgrade changed.
schemas = {}
touched = {}

def upgrade_each(step):
    previous = schemas[frozenset()]
    for rev in chain:
        try:
            command.upgrade(config, rev.revision)
        except Exception as error:
            emit(step=step, ok=False, revision=rev.revision, error=reason(error))
            sys.exit(0)
        if step == "upgrade":
            got = snapshot()
            touched[rev.revision] = changed(previous, got)
            schemas[current_heads()] = previous = got
    emit(step=step, ok=True, revisions=revisions)

schemas[frozenset()] = snapshot()
upgrade_each("upgrade")

# Downgrade one step at a time, newest head first, to that head's parent ("-1" is ambiguous at a merge
# revision). Alembic removes every applied descendant of the target: one revision on a straight history, both
# sides at once where two branches leave the same parent. Whenever the heads match a state the upgrade passed
# through, the schema must be that state's; the revisions removed since the last match are the suspects.
heads = current_heads()
unchecked = []
while heads:
    newest = max(heads, key=position.get)
    parents = script.get_revision(newest).down_revision
    target = (parents if isinstance(parents, str) else parents[0]) if parents else "base"
    before = applied(heads)
    try:
        command.downgrade(config, target)
    except Exception as error:
        # What this step was removing: every applied descendant of the target.
        removing = sorted(
            (r for r in before if target == "base" or target in applied([r]) - {r}),
            key=position.get, reverse=True,
        )
        emit(step="downgrade", ok=False, error=reason(error), **named(raised_in(error, removing or [newest])))
        sys.exit(0)
    heads = current_heads()
    removed = sorted(before - applied(heads), key=position.get, reverse=True)
    if not removed:
        emit(step="downgrade", ok=False, revision=newest, error="downgrade to " + target + " removed no revision")
        sys.exit(0)
    unchecked += removed
    expected = schemas.get(heads)
    if expected is None:
        continue
    got = snapshot()
    if got != expected:
        emit(step="downgrade", ok=False, error="downgrade() does not undo upgrade(): " + difference(expected, got),
             **named(touching(expected, got, unchecked)))
        sys.exit(0)
    unchecked = []
emit(step="downgrade", ok=True, revisions=revisions)
upgrade_each("reupgrade")
try:
    if not hasattr(command, "check"):
        import alembic
        emit(step="models", ok=True, skipped="alembic " + alembic.__version__ + " predates alembic check, added in 1.9")
    else:
        command.check(config)
        emit(step="models", ok=True)
except Exception as error:
    text = str(error)
    if "MetaData" in text and "autogenerate" in text:
        emit(step="models", ok=True, skipped="env.py gives alembic no target_metadata")
    else:
        emit(step="models", ok=False, error=reason(error))
`;

/** One step the rehearsal reported. */
export interface RehearsalStep {
  step: "heads" | "upgrade" | "downgrade" | "reupgrade" | "models";
  ok: boolean;
  /** The revision that failed. */
  revision?: string;
  /** The revisions one of which failed, when a downgrade removed several at once (two branches off one parent). */
  candidates?: string[];
  revisions?: string[];
  error?: string;
  skipped?: string;
}

const WHAT: Record<RehearsalStep["step"], string> = {
  heads: "the migration history",
  upgrade: "upgrade head",
  downgrade: "downgrade base",
  reupgrade: "upgrade head after downgrade base",
  models: "the models against the migrated schema (alembic check)",
};

const FIX: Record<RehearsalStep["step"], string> = {
  heads: "merge them with alembic merge heads",
  upgrade: "fix its upgrade()",
  downgrade: "write a downgrade() that undoes its upgrade() exactly",
  reupgrade: "make its downgrade() drop everything its upgrade() creates (types, sequences, indexes)",
  models: "add a migration for the difference (alembic revision --autogenerate) or fix the models",
};

export function parseRehearsal(output: string): RehearsalStep[] {
  const steps: RehearsalStep[] = [];
  for (const line of output.split("\n")) {
    const json = /^REHEARSAL (\{.*\})\s*$/.exec(line)?.[1];
    if (json) steps.push(JSON.parse(json) as RehearsalStep);
  }
  return steps;
}

/**
 * Passes when every step passed; fails naming the step, the revision and the fix. No report at
 * all (the script could not start: no alembic, a broken env.py) fails with the output's tail.
 */
export function rehearsalVerdict(exitCode: number, output: string): string {
  const steps = parseRehearsal(output);
  const failed = steps.find((s) => !s.ok);
  if (failed) {
    const where = failed.revision
      ? ` at revision ${failed.revision}`
      : failed.candidates
        ? ` at one of the revisions ${failed.candidates.join(", ")}`
        : "";
    throw new MigrationRehearsalError(
      `migration rehearsal failed: ${WHAT[failed.step]}${where}: ${failed.error ?? "failed"}; ${FIX[failed.step]}`,
    );
  }
  const done = new Set(steps.map((s) => s.step));
  if (exitCode !== 0 || !["upgrade", "downgrade", "reupgrade", "models"].every((s) => done.has(s as never))) {
    throw new MigrationRehearsalError(
      `migration rehearsal could not run (exit ${exitCode}); check alembic.ini and migrations/env.py\n${indent(tail(output))}`,
    );
  }
  const revisions = steps.find((s) => s.step === "upgrade")?.revisions ?? [];
  const models = steps.find((s) => s.step === "models");
  const modelsText = models?.skipped ? `models not compared (${models.skipped})` : "models match the migrated schema";
  return `migration rehearsal: upgrade head (${revisions.length} revision${revisions.length === 1 ? "" : "s"}: ${revisions.join(", ")}) → downgrade base → upgrade head; ${modelsText}`;
}
