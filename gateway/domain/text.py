"""Free text for the wire's c(..k) format (§4.1): at most k code points, no control characters,
no leading or trailing space. Reasons and remarks come from people and from error messages, so
they are fitted rather than refused."""

from __future__ import annotations

import unicodedata


def wire_text(text: str | None, limit: int) -> str | None:
    """``text`` fitted to c(..limit), or None when nothing printable is left (then the optional
    element is omitted)."""
    if not text:
        return None
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    fitted = cleaned.strip()[:limit].strip()
    return fitted or None
