"""Password hashing with argon2 (argon2-cffi), the cost chosen in the settings."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError


@lru_cache(maxsize=None)
def hasher(profile: str = "RFC_9106_LOW_MEMORY") -> PasswordHasher:
    """The hasher for an ``argon2.profiles`` profile name."""
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hash_password(password: str, profile: str = "RFC_9106_LOW_MEMORY") -> str:
    """An argon2id hash of ``password``."""
    return hasher(profile).hash(password)


def verify_password(password_hash: str | None, password: str,
                    profile: str = "RFC_9106_LOW_MEMORY") -> bool:
    """True when ``password`` matches ``password_hash``; never raises for a mismatch."""
    if not password_hash:
        # Spend the same time as a real check, so timing does not reveal the account.
        hasher(profile).hash(password)
        return False
    try:
        return hasher(profile).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
