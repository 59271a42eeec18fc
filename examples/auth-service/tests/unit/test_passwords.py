from __future__ import annotations

from argon2 import PasswordHasher

from enterprise.passwords import hash_password, needs_rehash, verify_password


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_password("a long passphrase"), hash_password("a long passphrase")
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert "a long passphrase" not in first
    assert verify_password("a long passphrase", first)


def test_wrong_password_does_not_verify() -> None:
    assert not verify_password("a long passphrasE", hash_password("a long passphrase"))


def test_missing_or_corrupt_hash_never_verifies() -> None:
    assert not verify_password("anything at all", None)
    assert not verify_password("anything at all", "")
    assert not verify_password("anything at all", "$argon2id$not-a-hash")
    assert not verify_password("fm-auth-unknown-user-placeholder", None)


def test_rehash_needed_only_for_weaker_parameters() -> None:
    assert not needs_rehash(hash_password("a long passphrase"))
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("a long passphrase")
    assert needs_rehash(weak)
    assert verify_password("a long passphrase", weak)
