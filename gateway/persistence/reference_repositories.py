"""Repositories of the reference data: parameter versions (loaded as domain timelines and tables,
written as the edits the domain planned), maker-checker proposals and levy parameter bases."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from gateway.domain.errors import NotFound
from gateway.domain.reference import ParameterKey, ParameterKind, ParameterVersion
from gateway.domain.reference_changes import ChangeAction, ParameterChange, Proposal, ProposalState
from gateway.domain.reference_timeline import ParameterTable, Timeline, TimelineEdit
from gateway.persistence.records import (ParameterBasisRecord, ParameterBasisVersionRecord,
                                         ParameterChangeRecord, ParameterProposalRecord,
                                         ParameterVersionRecord)

V = ParameterVersionRecord


def _key_of(r) -> ParameterKey:
    return ParameterKey(ParameterKind(r.kind), r.city_code, r.payer_kind, r.insurance_code, r.item,
                        r.district_code)


def _key_columns(key: ParameterKey) -> dict:
    return {"kind": key.kind.value, "city_code": key.city_code, "payer_kind": key.payer_kind,
            "insurance_code": key.insurance_code, "item": key.item,
            "district_code": key.district_code}


def version_from(r: ParameterVersionRecord) -> ParameterVersion:
    return ParameterVersion(_key_of(r), r.valid_from, r.valid_to, r.value, r.id)


class ParameterRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def versions(self, *, city_code: str | None = None, kind: ParameterKind | None = None,
                 starting_from: dt.date | None = None, starting_to: dt.date | None = None,
                 in_force_between: tuple[dt.date, dt.date] | None = None) -> list[ParameterVersion]:
        stmt = select(V)
        if city_code:
            stmt = stmt.where(V.city_code == city_code)
        if kind:
            stmt = stmt.where(V.kind == kind.value)
        if starting_from:
            stmt = stmt.where(V.valid_from >= starting_from)
        if starting_to:
            stmt = stmt.where(V.valid_from <= starting_to)
        if in_force_between:
            first, last = in_force_between
            stmt = stmt.where(V.valid_from <= last, or_(V.valid_to.is_(None), V.valid_to >= first))
        stmt = stmt.order_by(V.city_code, V.kind, V.payer_kind, V.insurance_code, V.item,
                             V.district_code, V.valid_from)
        return [version_from(r) for r in self.s.scalars(stmt)]

    def table(self, city_codes: Iterable[str] | None = None) -> ParameterTable:
        stmt = select(V)
        if city_codes is not None:
            stmt = stmt.where(V.city_code.in_(list(city_codes)))
        return ParameterTable(version_from(r) for r in self.s.scalars(stmt))

    def timeline(self, key: ParameterKey, for_update: bool = False) -> Timeline:
        stmt = select(V).filter_by(**_key_columns(key)).order_by(V.valid_from)
        if for_update:  # two approvals of the same key serialise on PostgreSQL
            stmt = stmt.with_for_update()
        return Timeline(key, [version_from(r) for r in self.s.scalars(stmt)])

    def timelines(self, keys: Iterable[ParameterKey], for_update: bool = False
                  ) -> dict[ParameterKey, Timeline]:
        """The histories of many keys in one query (an import names hundreds)."""
        wanted = set(keys)
        if not wanted:
            return {}
        stmt = select(V).where(V.city_code.in_({k.city_code for k in wanted}),
                               V.kind.in_({k.kind.value for k in wanted}))
        if for_update:
            stmt = stmt.with_for_update()
        grouped: dict[ParameterKey, list[ParameterVersion]] = {k: [] for k in wanted}
        for r in self.s.scalars(stmt):
            key = _key_of(r)
            if key in grouped:
                grouped[key].append(version_from(r))
        return {k: Timeline(k, vs) for k, vs in grouped.items()}

    def get(self, version_id: int) -> ParameterVersion:
        r = self.s.get(V, version_id)
        if r is None:
            raise NotFound(f"参数版本 #{version_id} 不存在")
        return version_from(r)

    def is_used(self, version_id: int) -> bool:
        """Whether a levy basis names the version (then it is history, not a plan)."""
        return bool(self.s.scalar(select(exists().where(
            ParameterBasisVersionRecord.version_id == version_id))))

    def apply(self, edits: Iterable[TimelineEdit], proposal_id: int | None) -> list[int]:
        """Write the planned edits (one flush); returns the ids of the added versions."""
        added = []
        for edit in edits:
            if edit.removed:
                self.s.execute(delete(V).where(V.id.in_(list(edit.removed))))
            for v in edit.changed:
                r = self.s.get(V, v.id)
                if r is None:
                    raise NotFound(f"参数版本 #{v.id} 不存在")
                r.valid_from, r.valid_to, r.value = v.valid_from, v.valid_to, v.value
            for v in edit.added:
                r = V(**_key_columns(v.key), valid_from=v.valid_from, valid_to=v.valid_to,
                      value=v.value, proposal_id=proposal_id)
                self.s.add(r)
                added.append(r)
        self.s.flush()
        return [r.id for r in added]


class ProposalRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._records: dict[int, ParameterProposalRecord] = {}

    def add(self, p: Proposal) -> Proposal:
        r = ParameterProposalRecord(state=p.state.value, maker=p.maker, reason=p.reason,
                                    source=p.source, proposed_at=p.created_at, checker="", note="",
                                    applied="")
        self.s.add(r)
        self.s.flush()
        self.s.add_all(ParameterChangeRecord(
            proposal_id=r.id, line_no=n, action=c.action.value, **_key_columns(c.key),
            valid_from=c.valid_from, valid_to=c.valid_to, value=c.value, target_id=c.target_id)
            for n, c in enumerate(p.changes, start=1))
        self.s.flush()
        self._records[r.id] = r
        p.id = r.id
        return p

    def get(self, proposal_id: int, for_update: bool = False) -> Proposal:
        stmt = select(ParameterProposalRecord).where(ParameterProposalRecord.id == proposal_id)
        if for_update:
            stmt = stmt.with_for_update()
        r = self.s.scalars(stmt).first()
        if r is None:
            raise NotFound(f"变更申请 {proposal_id} 不存在")
        self._records[r.id] = r
        lines = self.s.scalars(select(ParameterChangeRecord)
                               .where(ParameterChangeRecord.proposal_id == r.id)
                               .order_by(ParameterChangeRecord.line_no))
        changes = tuple(ParameterChange(ChangeAction(c.action), _key_of(c), c.valid_from,
                                        c.valid_to, c.value, c.target_id) for c in lines)
        applied = dict(part.split("=") for part in r.applied.split()) if r.applied else {}
        return Proposal(r.id, r.maker, r.reason, r.proposed_at, changes, r.source,
                        ProposalState(r.state), r.checker, r.decided_at, r.note,
                        {k: int(v) for k, v in applied.items()})

    def save(self, p: Proposal) -> None:
        r = self._records[p.id]  # type: ignore[index]
        r.state, r.checker, r.decided_at, r.note = p.state.value, p.checker, p.decided_at, p.note
        r.applied = " ".join(f"{k}={v}" for k, v in p.applied.items())

    def list(self, state: ProposalState | None = None, limit: int = 100) -> list[dict]:
        """Newest first, as rows for a list page: id, state, maker, checker, times, lines."""
        from sqlalchemy import func

        lines = (select(ParameterChangeRecord.proposal_id, func.count().label("n"))
                 .group_by(ParameterChangeRecord.proposal_id).subquery())
        p = ParameterProposalRecord
        stmt = (select(p, lines.c.n).join(lines, lines.c.proposal_id == p.id, isouter=True)
                .order_by(p.id.desc()).limit(limit))
        if state:
            stmt = stmt.where(p.state == state.value)
        return [{"id": r.id, "state": ProposalState(r.state), "maker": r.maker, "checker": r.checker,
                 "proposed_at": r.proposed_at, "decided_at": r.decided_at, "reason": r.reason,
                 "source": r.source, "lines": n or 0, "applied": r.applied}
                for r, n in self.s.execute(stmt)]


class BasisRepository:
    """Parameter bases: one row per distinct set of versions, shared by every levy using it."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self._cache: dict[frozenset[int], int] = {}

    def basis_for(self, version_ids: Iterable[int]) -> int:
        ids = frozenset(version_ids)
        if not ids:
            raise ValueError("a parameter basis names at least one version")
        if ids in self._cache:
            return self._cache[ids]
        text = ",".join(str(i) for i in sorted(ids))
        found = self.s.scalar(select(ParameterBasisRecord.id)
                              .where(ParameterBasisRecord.version_ids == text))
        if found is None:
            r = ParameterBasisRecord(version_ids=text)
            self.s.add(r)
            self.s.flush()
            self.s.add_all(ParameterBasisVersionRecord(basis_id=r.id, version_id=i) for i in sorted(ids))
            self.s.flush()
            found = r.id
        self._cache[ids] = found
        return found

    def bases_for(self, version_sets: Iterable[Iterable[int]]) -> dict[frozenset[int], int]:
        """Many bases at once: one query for those stored, one insert for the new (the demo
        makes hundreds)."""
        wanted = {frozenset(ids) for ids in version_sets} - set(self._cache)
        if frozenset() in wanted:
            raise ValueError("a parameter basis names at least one version")
        texts = {",".join(str(i) for i in sorted(ids)): ids for ids in wanted}
        for chunk in _chunks(list(texts), 500):
            for basis_id, text in self.s.execute(select(ParameterBasisRecord.id, ParameterBasisRecord.version_ids)
                                                 .where(ParameterBasisRecord.version_ids.in_(chunk))):
                self._cache[texts.pop(text)] = basis_id
        new = [ParameterBasisRecord(version_ids=text) for text in texts]
        self.s.add_all(new)
        self.s.flush()
        self.s.add_all(ParameterBasisVersionRecord(basis_id=r.id, version_id=i)
                       for r in new for i in sorted(texts[r.version_ids]))
        self.s.flush()
        self._cache.update({texts[r.version_ids]: r.id for r in new})
        return dict(self._cache)

    def versions_of(self, basis_id: int) -> list[ParameterVersion]:
        stmt = (select(V).join(ParameterBasisVersionRecord, ParameterBasisVersionRecord.version_id == V.id)
                .where(ParameterBasisVersionRecord.basis_id == basis_id).order_by(V.kind, V.id))
        return [version_from(r) for r in self.s.scalars(stmt)]


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
