"""The Postgres advisory-lock key every alembic run of this service takes first.

See migrations/env.py: two migrations of the service never run at once.
"""

MIGRATION_LOCK_KEY = 0x46_4D_41_55_54_48  # "FMAUTH"
