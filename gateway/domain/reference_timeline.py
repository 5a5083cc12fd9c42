"""The history of one parameter key (a :class:`Timeline`) and of many (a :class:`ParameterTable`).

One lookup rule: the value of a key on a date is the version that covers the date
(:meth:`ParameterVersion.covers`, both ends inclusive). Versions of one key never overlap; a gap is
allowed but reported (:meth:`Timeline.gaps`). The edits a bureau may make return a
:class:`TimelineEdit` (what to insert, update, delete) and never touch the past:

- *schedule* a new value from a future date: the version covering that date is superseded (its
  end closes the day before); a bounded new value keeps the old one after its end;
- *correct* a version not yet in force (value or dates); an adjacent predecessor follows its start;
- *withdraw* a version not yet in force; the predecessor it superseded runs on again;
- *import* a version as published: identical ones are already there, others must not overlap
  (except that a future start supersedes, as in *schedule*).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Iterable

from gateway.domain.reference import KIND_RULES, Need, ParameterKey, ParameterKind, ParameterVersion
from gateway.domain.reference_errors import (InvalidParameter, NoValueInForce, NotInFuture,
                                             OverlappingPeriods, VersionInForce)

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class TimelineEdit:
    """Changes to stored versions: ``changed`` and ``removed`` refer to stored ids."""

    added: tuple[ParameterVersion, ...] = ()
    changed: tuple[ParameterVersion, ...] = ()
    removed: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


class Timeline:
    """The versions of one key in date order; constructing one checks that none overlap."""

    def __init__(self, key: ParameterKey, versions: Iterable[ParameterVersion] = ()) -> None:
        self.key = key
        ordered = sorted(versions, key=lambda v: v.valid_from)
        for v in ordered:
            if v.key != key:
                raise InvalidParameter(f"{v.describe()} 不属于 {key.describe()}")
        _check_no_overlap(ordered)
        self.versions: tuple[ParameterVersion, ...] = tuple(ordered)

    def in_force(self, day: dt.date) -> ParameterVersion | None:
        return next((v for v in self.versions if v.covers(day)), None)

    def value_on(self, day: dt.date) -> ParameterVersion:
        found = self.in_force(day)
        if found is None:
            raise NoValueInForce(f"{self.key.describe()}: {day} 没有生效的参数值")
        return found

    def gaps(self, start: dt.date | None = None, end: dt.date | None = None
             ) -> list[tuple[dt.date, dt.date | None]]:
        """Uncovered periods between ``start`` and ``end`` (default: the first start and the last
        end). ``(day, None)`` is a gap from ``day`` on with no end."""
        if not self.versions:
            return [(start, end)] if start is not None else []
        cursor = start or self.versions[0].valid_from
        found: list[tuple[dt.date, dt.date | None]] = []
        for v in self.versions:
            if end is not None and cursor > end:
                return found
            if v.valid_from > cursor:
                last = v.valid_from - DAY
                found.append((cursor, min(last, end) if end is not None else last))
            if v.valid_to is None:
                return found
            cursor = max(cursor, v.valid_to + DAY)
        if end is not None and cursor <= end:
            found.append((cursor, end))
        return found

    def _get(self, version_id: int) -> ParameterVersion:
        for v in self.versions:
            if v.id == version_id:
                return v
        raise InvalidParameter(f"{self.key.describe()}: 没有版本 #{version_id}")

    def _checked(self, edit: TimelineEdit) -> TimelineEdit:
        self.apply(edit)  # raises OverlappingPeriods naming both versions
        return edit

    def apply(self, edit: TimelineEdit) -> "Timeline":
        changed = {v.id: v for v in edit.changed}
        kept = [changed.get(v.id, v) for v in self.versions if v.id not in edit.removed]
        return Timeline(self.key, [*kept, *edit.added])

    def _supersede(self, new: ParameterVersion) -> TimelineEdit:
        covering = self.in_force(new.valid_from)
        if covering is None or covering.valid_from >= new.valid_from:
            return self._checked(TimelineEdit(added=(new,)))
        added = [new]
        tail_starts = new.valid_to + DAY if new.valid_to is not None else None
        if tail_starts is not None and (covering.valid_to is None or covering.valid_to >= tail_starts):
            added.append(replace(covering, id=None, valid_from=tail_starts))
        cut = replace(covering, valid_to=new.valid_from - DAY)
        return self._checked(TimelineEdit(added=tuple(added), changed=(cut,)))

    def schedule(self, value: Decimal, valid_from: dt.date, valid_to: dt.date | None,
                 today: dt.date) -> TimelineEdit:
        """A new value from a future date, superseding the one in force then."""
        if valid_from <= today:
            raise NotInFuture(f"{self.key.describe()}: 新值只能自未来日期起生效（{valid_from} 不晚于今天 {today}）")
        return self._supersede(ParameterVersion(self.key, valid_from, valid_to, value))

    def correct(self, version_id: int, value: Decimal, valid_from: dt.date,
                valid_to: dt.date | None, today: dt.date) -> TimelineEdit:
        """Change a version that is not yet in force."""
        target = self._not_in_force(version_id, today)
        if valid_from <= today:
            raise NotInFuture(f"{target.describe()}: 更正后的生效日期须晚于今天 {today}")
        new = replace(target, value=value, valid_from=valid_from, valid_to=valid_to)
        changed = [new]
        pred = self._predecessor(target)
        if pred is not None and valid_from != target.valid_from:
            if valid_from - DAY < pred.valid_from:
                raise OverlappingPeriods(new.describe(), pred.describe())
            changed.append(replace(pred, valid_to=valid_from - DAY))
        return self._checked(TimelineEdit(changed=tuple(changed)))

    def withdraw(self, version_id: int, today: dt.date) -> TimelineEdit:
        """Remove a version that is not yet in force; the one it superseded runs on again."""
        target = self._not_in_force(version_id, today)
        pred = self._predecessor(target)
        changed = (replace(pred, valid_to=target.valid_to),) if pred is not None else ()
        return self._checked(TimelineEdit(changed=changed, removed=(version_id,)))

    def add_imported(self, version: ParameterVersion, today: dt.date) -> TimelineEdit:
        """A version as published; empty when an identical one is already there."""
        for v in self.versions:
            if (v.valid_from, v.valid_to, v.value) == (version.valid_from, version.valid_to, version.value):
                return TimelineEdit()
        if version.valid_from > today:
            return self._supersede(version)
        return self._checked(TimelineEdit(added=(version,)))

    def _not_in_force(self, version_id: int, today: dt.date) -> ParameterVersion:
        target = self._get(version_id)
        if target.valid_from <= today:
            raise VersionInForce(f"{target.describe()} 已于 {target.valid_from} 生效，不能修改，"
                                 "只能自未来某日起以新值取代")
        return target

    def _predecessor(self, target: ParameterVersion) -> ParameterVersion | None:
        return next((v for v in self.versions
                     if v.valid_to is not None and v.valid_to == target.valid_from - DAY), None)


def _check_no_overlap(ordered: list[ParameterVersion]) -> None:
    for earlier, later in zip(ordered, ordered[1:]):
        if earlier.overlaps(later):
            raise OverlappingPeriods(earlier.describe(), later.describe())


class ParameterTable:
    """Every version of many keys. :meth:`lookup` applies the one rule, most specific key first:
    a district's own value before the city's, an insurance type's floor or ceiling before the
    one for every type — the first key that has a version covering the date."""

    def __init__(self, versions: Iterable[ParameterVersion] = ()) -> None:
        grouped: dict[ParameterKey, list[ParameterVersion]] = {}
        for v in versions:
            grouped.setdefault(v.key, []).append(v)
        self._timelines = {k: Timeline(k, vs) for k, vs in grouped.items()}
        # Look-ups go by plain tuples: making a validated ParameterKey per candidate costs more
        # than the look-up itself when a loader asks thousands of times.
        self._by_tuple = {(k.kind.value, k.city_code, k.payer_kind, k.insurance_code, k.item,
                           k.district_code): t for k, t in self._timelines.items()}

    def timeline(self, key: ParameterKey) -> Timeline:
        return self._timelines.get(key) or Timeline(key)

    def keys(self) -> list[ParameterKey]:
        return sorted(self._timelines)

    def lookup(self, kind: ParameterKind, city_code: str, on: dt.date, *, payer_kind: str = "",
               insurance_code: str = "", item: str = "", district_code: str = "") -> ParameterVersion:
        districts = [district_code, ""] if district_code else [""]
        insurances = [insurance_code]
        if insurance_code and KIND_RULES[kind].insurance is Need.OPTIONAL:
            insurances.append("")
        for district in districts:
            for insurance in insurances:
                found = self._by_tuple.get((kind.value, city_code, payer_kind, insurance, item, district))
                version = found.in_force(on) if found else None
                if version is not None:
                    return version
        key = ParameterKey(kind, city_code, payer_kind, insurance_code, item, district_code)
        raise NoValueInForce(f"{key.describe()}: {on} 没有生效的参数值")

    def gaps(self, start: dt.date, end: dt.date
             ) -> dict[ParameterKey, list[tuple[dt.date, dt.date | None]]]:
        """Keys with uncovered days between ``start`` and ``end`` (inclusive)."""
        result = {}
        for key, timeline in sorted(self._timelines.items()):
            found = timeline.gaps(start, end)
            if found:
                result[key] = found
        return result


def edit_between(before: Timeline, after: Timeline) -> TimelineEdit:
    """The writes that turn ``before`` (stored) into ``after``: several lines of one proposal on
    one key are planned one after the other and written as one edit."""
    old = {v.id: v for v in before.versions}
    new_ids = {v.id for v in after.versions if v.id is not None}
    return TimelineEdit(
        added=tuple(v for v in after.versions if v.id is None),
        changed=tuple(v for v in after.versions if v.id is not None and v != old.get(v.id)),
        removed=tuple(i for i in old if i is not None and i not in new_ids))
