"""Rule packs: each version of the regulations as data (rulepacks/*.toml), chosen by receipt date."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
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
class FeeRegime:
    """Which fee rules apply to fees charged from `start` on (until the next regime of the pack).

    regime: "cost" (2008 Art 27: search, copying, postage at local rates), "none" (no fee may
    be charged), "processing" (the information-processing fee of 国办函〔2020〕109号, computed).
    abandonment: an unpaid fee closes the case as abandoned (其他处理 2) when its window ends;
    clock_exclusion: the time from the fee notice to payment may be left out of the reply period.
    """

    start: dt.date
    regime: Literal["cost", "none", "processing"]
    basis: str
    abandonment: bool
    clock_exclusion: bool


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
    # What the version provides, so that code asks a feature, never a pack id.
    objection_reasonableness_test: bool = True   # Art 32 (2019) vs 2008 Art 23
    public_interest_basis: str = ""              # the override's provision (both versions have one)
    art35_procedure: bool = True                 # reasons for excessive requests, longer deadline
    fee_regimes: tuple[FeeRegime, ...] = ()      # by the date the fee is charged, in order

    @property
    def has_third_party_window(self) -> bool:
        """Whether the third party has a fixed period to answer (2019 Art 32: 15 working days)."""
        return "third_party_answer" in self.periods

    def fee_regime(self, on: dt.date) -> FeeRegime:
        """The fee rules for a fee charged on `on` (the pack's latest regime started by then)."""
        found = [r for r in self.fee_regimes if r.start <= on]
        if not found:
            return FeeRegime(on, "none", "第四十二条", False, False)
        return found[-1]

    @cached_property
    def reply_days(self) -> int:
        return self.periods["reply"].length

    def period(self, name: str) -> Period | None:
        return self.periods.get(name)

    def applies_to(self, received: dt.date) -> bool:
        return self.in_force_from <= received and (
            self.in_force_until is None or received <= self.in_force_until)


def _load(name: str) -> RulePack:
    raw = tomllib.loads((Path(__file__).with_name("rulepacks") / name).read_text("utf-8"))
    periods = {key: Period(int(p["length"]), p["unit"], p["basis"])
               for key, p in raw["periods"].items()}
    feats = raw.get("features", {})
    return RulePack(
        id=raw["id"], title=raw["title"], short=raw["short"],
        in_force_from=raw["in_force_from"], in_force_until=raw.get("in_force_until"),
        excluded_consultations=frozenset(raw["excluded_consultations"]),
        exclusion_basis=raw["exclusion_basis"],
        periods=MappingProxyType(periods),
        objection_reasonableness_test=bool(feats.get("objection_reasonableness_test", True)),
        public_interest_basis=str(feats.get("public_interest_basis", "")),
        art35_procedure=bool(feats.get("art35_procedure", True)),
        fee_regimes=tuple(sorted((FeeRegime(f["from"], f["regime"], f["basis"], bool(f["abandonment"]),
                                            bool(f["clock_exclusion"]))
                                  for f in raw.get("fee_regimes", ())), key=lambda r: r.start)),
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
