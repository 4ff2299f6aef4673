"""The older annual-report format (2008 rules; the seed report): its figures, exact shares, text, checks.

A share is count ÷ total as an exact fraction, printed as a percentage with one decimal, rounded
half up (Decimal ROUND_HALF_UP semantics, done on the exact fraction). The checker accepts a
printed share if it is the exact share rounded half up to the printed precision, or the exact
share first rounded to hundredths of a per cent and then to the printed precision (the seed's own
practice: 1775/2450 = 72.449…% printed 72.5%); anything else is flagged — the seed's 57/2450
printed 3.2% (it is 2.3%).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Mapping

from .checks import RULE_INTEGER, RULE_PRESENT, RULE_UNKNOWN, CheckFailure, report_name
from .layout import (CONSULTATION_CHANNELS, FEE_KINDS, LEGACY_CATEGORIES, LEGACY_SECTIONS,
                     MISSING_NARRATIVE)

SHARE_DIGITS = 1
RULE_SHARE = "占比 = 该类条数 ÷ 总条数，按所印位数四舍五入"
RULE_PARTS = "分项之和 = 总数"
RULE_ONLINE = "网络公开条数不超过公开总条数"
RULE_AMOUNT = "金额为不小于0的数（元）"


def share(count: int, total: int) -> Fraction:
    """The exact share of `count` in `total`, in per cent (0 when the total is 0)."""
    return Fraction(100 * count, total) if total else Fraction(0)


def round_half_up(value: Fraction, digits: int) -> Decimal:
    """`value` rounded half up (away from zero for ties; values here are ≥ 0) to `digits` decimals."""
    scaled = value * 10 ** digits
    n = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(n).scaleb(-digits) if digits else Decimal(n)


def percent_text(count: int, total: int, digits: int = SHARE_DIGITS) -> str:
    return f"{round_half_up(share(count, total), digits)}%"


def acceptable_shares(count: int, total: int, digits: int) -> set[Decimal]:
    exact = share(count, total)
    ok = {round_half_up(exact, digits)}
    if digits < 2:
        ok.add(round_half_up(Fraction(round_half_up(exact, 2)), digits))
    return ok


def _digits(printed: Decimal) -> int:
    return max(0, -int(printed.as_tuple().exponent))


@dataclass(frozen=True)
class LegacyReport:
    """A year's report in the 2008 format, from the registers and the cases."""

    year: int
    agency: str
    items: Mapping[str, int] = field(default_factory=dict)     # category → items disclosed
    items_online: int | None = None
    requests_received: int = 0
    requests_carried_in: int = 0
    requests_closed: int = 0
    requests_carried_out: int = 0
    consultations: Mapping[str, int] = field(default_factory=dict)
    reviews: int = 0
    litigations: int = 0
    fees_fen: Mapping[str, int] = field(default_factory=dict)
    narrative: Mapping[str, str] = field(default_factory=dict)   # overview, problems

    @property
    def items_total(self) -> int:
        return sum(self.items.get(c, 0) for c in LEGACY_CATEGORIES)

    def to_json(self) -> dict[str, Any]:
        total = self.items_total
        return {
            "format": "legacy-2008", "year": self.year, "agency": self.agency,
            "items": {"total": total,
                      **({"online": self.items_online} if self.items_online is not None else {}),
                      "categories": {c: {"count": self.items.get(c, 0),
                                         "share_percent": str(round_half_up(share(self.items.get(c, 0), total),
                                                                            SHARE_DIGITS))}
                                     for c in LEGACY_CATEGORIES}},
            "requests": {"received": self.requests_received, "carried_in": self.requests_carried_in,
                         "closed": self.requests_closed,
                         "carried_out": self.requests_carried_out},
            "consultations": {"total": sum(self.consultations.values()),
                              "channels": {c: self.consultations.get(c, 0) for c in CONSULTATION_CHANNELS
                                           if c in self.consultations}},
            "remedies": {"review": self.reviews, "litigation": self.litigations},
            "fees_yuan": {"total": _yuan(sum(self.fees_fen.values())),
                          "kinds": {k: _yuan(v) for k, v in self.fees_fen.items()}},
        }


def _yuan(fen: int) -> str:
    d = Decimal(fen) / 100
    return f"{d:.2f}".rstrip("0").rstrip(".") if d == d.to_integral_value() else f"{d:.2f}"


def render_text(r: LegacyReport) -> str:
    """The report as text, in the seed's six parts; every share computed exactly."""
    total = r.items_total
    cats = "；".join(f"{label}信息{r.items.get(c, 0)}条，占总数的{percent_text(r.items.get(c, 0), total)}"
                    for c, label in LEGACY_CATEGORIES.items())
    online = f"，网络公开{r.items_online}条" if r.items_online is not None else ""
    cons_total = sum(r.consultations.values())
    cons = "，".join(f"{CONSULTATION_CHANNELS[c]}{n}人次" for c, n in r.consultations.items())
    fees = "，".join(f"{FEE_KINDS[k]}{_yuan(v)}元" for k, v in r.fees_fen.items())
    if r.requests_received or r.requests_carried_in or r.requests_closed or r.requests_carried_out:
        requests = (f"{r.year}年，共收到政府信息公开申请{r.requests_received}件，上年结转{r.requests_carried_in}件，"
                    f"办结{r.requests_closed}件，结转下年度{r.requests_carried_out}件。")
    else:
        requests = f"{r.year}年，没有接到依申请公开事项的申请。"
    if r.reviews or r.litigations:
        remedies = f"{r.year}年，发生针对政府信息公开事务的行政复议申请{r.reviews}件、行政诉讼案件{r.litigations}件。"
    else:
        remedies = f"{r.year}年，未发生针对政府信息公开事务的行政复议申请和行政诉讼案件。"
    lines = [
        f"{r.agency}{r.year}年政府信息公开年度报告", "",
        LEGACY_SECTIONS[0], r.narrative.get("overview") or MISSING_NARRATIVE, "",
        LEGACY_SECTIONS[1],
        f"截至{r.year}年底，共主动公开政府信息{total}条{online}。其中：{cats}。", "",
        LEGACY_SECTIONS[2], requests, "",
        LEGACY_SECTIONS[3],
        f"全年共接受咨询{cons_total}人次" + (f"，其中：{cons}。" if cons else "。"), remedies, "",
        LEGACY_SECTIONS[4],
        f"{r.year}年收取与依申请公开有关的费用共{_yuan(sum(r.fees_fen.values()))}元"
        + (f"，其中{fees}。" if fees else "。"), "",
        LEGACY_SECTIONS[5], r.narrative.get("problems") or MISSING_NARRATIVE, "",
    ]
    return "\n".join(lines)


# ----- checks ----------------------------------------------------------------------------------

def _count(obj: Any, name: str, label: str, out: list[CheckFailure]) -> int | None:
    if isinstance(obj, bool) or not isinstance(obj, int) or obj < 0:
        out.append(CheckFailure(name, RULE_INTEGER, {"值": obj}, f"{label}不是不小于0的整数"))
        return None
    return obj


def _amount(obj: Any, name: str, label: str, out: list[CheckFailure]) -> Decimal | None:
    try:
        d = Decimal(str(obj)) if not isinstance(obj, bool) else None
    except ArithmeticError:
        d = None
    if d is None or not d.is_finite() or d < 0:
        out.append(CheckFailure(name, RULE_AMOUNT, {"值": obj}, f"{label}不是不小于0的金额"))
        return None
    return d


def _printed_share(v: Any) -> Decimal | None:
    if isinstance(v, bool):
        return None
    text = str(v).strip().rstrip("%")
    try:
        d = Decimal(text)
    except ArithmeticError:
        return None
    return d if d.is_finite() else None


def check_legacy(report: Mapping[str, Any]) -> list[CheckFailure]:
    """The older format's arithmetic: parts sum to totals, and every printed share is right."""
    out: list[CheckFailure] = []
    items = report.get("items")
    if isinstance(items, Mapping):
        total = _count(items.get("total"), "items.total", "主动公开总条数", out)
        cats = items.get("categories")
        if not isinstance(cats, Mapping):
            out.append(CheckFailure("items.categories", RULE_PRESENT, {}, "缺少各类信息条数"))
            cats = {}
        counts: dict[str, int] = {}
        for code, entry in cats.items():
            name = f"items.categories.{code}"
            if code not in LEGACY_CATEGORIES:
                out.append(CheckFailure(name, RULE_UNKNOWN, {}, f"未知的类别“{code}”"))
                continue
            label = LEGACY_CATEGORIES[code]
            entry = entry if isinstance(entry, Mapping) else {"count": entry}
            n = _count(entry.get("count"), f"{name}.count", f"{label}信息条数", out)
            if n is None:
                continue
            counts[code] = n
            if "share_percent" in entry and total:
                printed = _printed_share(entry["share_percent"])
                if printed is None:
                    out.append(CheckFailure(f"{name}.share_percent", RULE_SHARE, {"值": entry["share_percent"]},
                                            f"{label}占比不是数"))
                    continue
                digits = _digits(printed)
                if printed not in acceptable_shares(n, total, digits):
                    expected = round_half_up(share(n, total), digits)
                    exact = round_half_up(share(n, total), 4)
                    out.append(CheckFailure(
                        f"{name}.share_percent", RULE_SHARE,
                        {"条数": n, "总条数": total, "所印占比": f"{printed}%", "应为": f"{expected}%",
                         "精确值": f"{n}/{total} = {exact}%"},
                        f"{label}信息{n}条占总数{total}条的{expected}%（精确为{exact}%），报告印为{printed}%"))
        if total is not None and counts and sum(counts.values()) != total:
            out.append(CheckFailure("items.total", RULE_PARTS,
                                    {"总条数": total, "各类之和": sum(counts.values())},
                                    f"各类信息条数之和为 {sum(counts.values())}，总条数为 {total}"))
        if "online" in items:
            online = _count(items.get("online"), "items.online", "网络公开条数", out)
            if online is not None and total is not None and online > total:
                out.append(CheckFailure("items.online", RULE_ONLINE, {"网络公开": online, "总条数": total},
                                        f"网络公开 {online} 条多于公开总条数 {total} 条"))
    cons = report.get("consultations")
    if isinstance(cons, Mapping):
        total = _count(cons.get("total"), "consultations.total", "咨询总人次", out)
        chans = cons.get("channels") if isinstance(cons.get("channels"), Mapping) else {}
        parts = {}
        for code, n in chans.items():
            if code not in CONSULTATION_CHANNELS:
                out.append(CheckFailure(f"consultations.channels.{code}", RULE_UNKNOWN, {}, f"未知的咨询渠道“{code}”"))
                continue
            v = _count(n, f"consultations.channels.{code}", CONSULTATION_CHANNELS[code], out)
            if v is not None:
                parts[code] = v
        if total is not None and parts and sum(parts.values()) != total:
            out.append(CheckFailure("consultations.total", RULE_PARTS,
                                    {"咨询总人次": total, "各渠道之和": sum(parts.values())},
                                    f"各渠道咨询人次之和为 {sum(parts.values())}，总人次为 {total}"))
    fees = report.get("fees_yuan")
    if isinstance(fees, Mapping):
        total_d = _amount(fees.get("total"), "fees_yuan.total", "收费总额", out)
        kinds = fees.get("kinds") if isinstance(fees.get("kinds"), Mapping) else {}
        amounts = []
        for code, v in kinds.items():
            if code not in FEE_KINDS:
                out.append(CheckFailure(f"fees_yuan.kinds.{code}", RULE_UNKNOWN, {}, f"未知的收费种类“{code}”"))
                continue
            d = _amount(v, f"fees_yuan.kinds.{code}", FEE_KINDS[code], out)
            if d is not None:
                amounts.append(d)
        if total_d is not None and amounts and sum(amounts) != total_d:
            out.append(CheckFailure("fees_yuan.total", RULE_PARTS, {"收费总额": total_d, "各项之和": sum(amounts)},
                                    f"各项收费之和为 {sum(amounts)} 元，总额为 {total_d} 元"))
    name = report_name(report)
    return [CheckFailure(f.cell, f.rule, f.numbers, f.message, name) for f in out]
