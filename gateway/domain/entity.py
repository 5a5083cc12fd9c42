"""Identity of the domain's entities: an id is ``None`` until the repository has added the
entity, and code that stores a reference to it needs the real one."""

from __future__ import annotations


def require_id(ident: int | None, entity: str) -> int:
    """The id of an entity that has been added to its repository. An entity without one here is
    a programming error (it was never added), not a business rule, hence no DomainError."""
    if ident is None:
        raise ValueError(f"{entity} has no id: add it to its repository first")
    return ident
