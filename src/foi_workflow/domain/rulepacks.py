"""Rule packs: each version of the regulations as data (rulepacks/*.toml), chosen by receipt date."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from types import MappingProxyType
from typing import Literal, Mapping

from .errors import InputError

Unit = Literal["working_days", "days", "months"]

EARLIEST_RECEIPT = dt.date(2008, 5, 1)
EARLIEST_RULE = "《政府信息公开条例》自2008年5月1日起施行，此前收到的申请不适用"


@dataclass(frozen=True)
class Period:
    """A statutory period: its length, unit and the provision that sets it."""

    length: int
    unit: Unit
    basis: str


@dataclass(frozen=True)
class RulePack:
    id: str
    title: str
    short: str
    in_force_from: dt.date
    in_force_until: dt.date | None
    excluded_consultations: frozenset[str]
    exclusion_basis: str
    periods: Mapping[str, Period]

    @cached_property
    def reply_days(self) -> int:
        return self.periods["reply"].length

    def period(self, name: str) -> Period | None:
        return self.periods.get(name)

    def applies_to(self, received: dt.date) -> bool:
        return self.in_force_from <= received and (
            self.in_force_until is None or received <= self.in_force_until)


def _load(name: str) -> RulePack:
    raw = tomllib.loads(resources.files(__package__).joinpath("rulepacks", name).read_text("utf-8"))
    periods = {key: Period(int(p["length"]), p["unit"], p["basis"])
               for key, p in raw["periods"].items()}
    return RulePack(
        id=raw["id"], title=raw["title"], short=raw["short"],
        in_force_from=raw["in_force_from"], in_force_until=raw.get("in_force_until"),
        excluded_consultations=frozenset(raw["excluded_consultations"]),
        exclusion_basis=raw["exclusion_basis"],
        periods=MappingProxyType(periods),
    )


PACKS: Mapping[str, RulePack] = MappingProxyType(
    {p.id: p for p in (_load("ogi-2019.toml"), _load("ogi-2008.toml"))})


_BY_START = sorted(PACKS.values(), key=lambda p: p.in_force_from, reverse=True)


def pack_for(received: dt.date) -> RulePack:
    """The rule pack in force on the receipt date (packs follow each other without gaps)."""
    for pack in _BY_START:
        if received >= pack.in_force_from:
            return pack
    raise InputError("received", EARLIEST_RULE, f"收到日期 {received.isoformat()} 早于 2008-05-01")


def pack_by_id(pack_id: str) -> RulePack:
    try:
        return PACKS[pack_id]
    except KeyError:
        raise InputError("rules", "可选规则：" + "、".join(PACKS),
                         f"未知的规则“{pack_id}”") from None
