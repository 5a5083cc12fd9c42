"""Password hashing: scrypt (werkzeug's ``scrypt:32768:8:1``, the hash the demo accounts are
stored with), and the password rule for accounts the system administrator creates."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

# A hash of a random password, checked when the username is unknown so that the answer takes as
# long as for a known one (the response time does not tell which usernames exist).
_DUMMY = generate_password_hash("not-a-password-of-anyone", method="scrypt")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        check_password_hash(_DUMMY, password)
        return False
    try:
        return check_password_hash(stored_hash, password)
    except ValueError:  # an unknown hash format: never a match
        return False


def weak_reason(password: str) -> str | None:
    """Why a new password is refused, in Chinese, or None."""
    if len(password) < 10:
        return "密码至少 10 位"
    kinds = sum(any(test(c) for c in password)
                for test in (str.isdigit, str.islower, str.isupper, lambda c: not c.isalnum()))
    if kinds < 3:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类"
    return None
