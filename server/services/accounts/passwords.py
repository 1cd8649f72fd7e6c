"""Password hashing with Argon2id, a memory-hard scheme."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    def __init__(self, memory_kib: int = 64 * 1024, time_cost: int = 3):
        self._hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=2)
        # Verified when the username is unknown, so both cases take as long.
        self._decoy = self._hasher.hash("no such user")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False


def validate_new_password(password: str) -> None:
    if len(password) < 10:
        raise ValueError("A password must have at least 10 characters.")
