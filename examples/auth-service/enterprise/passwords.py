"""Password hashing with Argon2id (argon2-cffi's maintained defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as much time as a wrong password
# and response times do not reveal which emails are registered.
_UNKNOWN_USER_HASH = _hasher.hash("fm-auth-unknown-user-placeholder")


def hash_password(password: str) -> str:
    """Return an encoded Argon2id hash of ``password`` (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(password: str, encoded_hash: str | None) -> bool:
    """True if ``password`` matches ``encoded_hash``; a missing or corrupt hash never matches."""
    try:
        return _hasher.verify(encoded_hash or _UNKNOWN_USER_HASH, password) and bool(encoded_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current defaults."""
    return _hasher.check_needs_rehash(encoded_hash)
