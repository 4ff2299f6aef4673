"""The information-processing fee (信息处理费, Art 42): its tiers, and the fee for one request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping

from .errors import InputError

FeeMethod = Literal["per_request", "per_volume", "cost"]

BASIS = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


@dataclass(frozen=True)
class Tier:
    """A band of units first..last (last None: open-ended), each unit charged `yuan`.

    An open-ended band may rise: every `step_every` units after `first` the price per unit goes
    up by `step_yuan` (per request: 31–40 at 200, 41–50 at 300, …).
    """

    first: int
    last: int | None
    yuan: int
    step_every: int = 0
    step_yuan: int = 0

    def contains(self, n: int) -> bool:
        return n >= self.first and (self.last is None or n <= self.last)

    def band(self, n: int) -> tuple[int, int | None]:
        """The sub-band (first, last) at one price that unit n falls in."""
        if not self.step_every:
            return self.first, self.last
        lo = self.first + (n - self.first) // self.step_every * self.step_every
        return lo, lo + self.step_every - 1

    def rate(self, n: int) -> int:
        """Yuan charged for unit n (n within this tier)."""
        if not self.step_every:
            return self.yuan
        return self.yuan + (n - self.first) // self.step_every * self.step_yuan


# Per request (按件计收): the n-th request of one applicant in one calendar month.
PER_REQUEST_TIERS: tuple[Tier, ...] = (
    Tier(1, 10, 0),
    Tier(11, 30, 100),
    Tier(31, None, 200, step_every=10, step_yuan=100),
)

# Per volume (按量计收): the pages of one request, charged marginally.
PER_VOLUME_TIERS: tuple[Tier, ...] = (
    Tier(1, 30, 0),
    Tier(31, 100, 10),
    Tier(101, 200, 20),
    Tier(201, None, 40),
)

# Per volume applies only to these media; values are the words used on a fee notice.
PER_VOLUME_MEDIA: Mapping[str, str] = MappingProxyType({
    "paper": "纸质复印件",
    "email": "电子邮件",
    "electronic_copy": "电子数据复制件",
})

PER_REQUEST_RULE = "按件计收：同一申请人一个自然月内的申请件数，自第1件起计数"
PER_VOLUME_RULE = "按量计收：以每件申请所提供的页数计算，自第1页起计数"
PER_VOLUME_MEDIUM_RULE = "按量计收仅适用于纸质复印件、电子邮件或电子数据复制件"


@dataclass(frozen=True)
class Fee:
    """The fee for one request: method, amount in yuan and the lines a fee notice states."""

    method: FeeMethod
    amount_yuan: int
    breakdown: tuple[str, ...]
    basis: str = BASIS
    # the computation, band by band: (band, units, yuan per unit, amount); cost fees: (kind, 1, amount, amount)
    bands: tuple[tuple[str, int, int, int], ...] = ()

    def computation(self) -> dict[str, object]:
        """What a fee event stores and its notice shows: basis, bands with their rate, amount."""
        return {"method": self.method, "basis": self.basis, "amount": self.amount_yuan,
                "bands": [{"band": b, "units": u, "rate": r, "amount": a} for b, u, r, a in self.bands],
                "breakdown": list(self.breakdown)}

    @property
    def free(self) -> bool:
        return self.amount_yuan == 0


def _whole_number(value: object, field: str, rule: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(field, rule, f"{what}须为不小于1的整数，收到 {value!r}")
    return value


def _span(lo: int, hi: int | None, unit: str) -> str:
    return f"第{lo}{unit}起" if hi is None else f"第{lo}–{hi}{unit}"


def per_request_fee(nth_in_month: int) -> Fee:
    """Fee for the n-th request (n ≥ 1) of one applicant in one calendar month (按件计收)."""
    n = _whole_number(nth_in_month, "nth_in_month", PER_REQUEST_RULE, "本月申请序号")
    tier = next(t for t in PER_REQUEST_TIERS if t.contains(n))
    lo, hi = tier.band(n)
    rate = tier.rate(n)
    price = "免费" if rate == 0 else f"每件{rate}元"
    return Fee(
        method="per_request",
        amount_yuan=rate,
        breakdown=(
            f"按件计收：本月第{n}件申请，适用{_span(lo, hi, '件')}档，{price}",
            f"合计：{rate}元",
        ),
        bands=((_span(lo, hi, "件"), 1, rate, rate),),
    )


def per_volume_fee(pages: int, medium: str) -> Fee:
    """Fee for one request of `pages` pages sent as paper, e-mail or an electronic copy (按量计收).

    Marginal: each page is charged at the price of the band it falls in; the breakdown has one
    line per band used, e.g. "第31–100页：70页 × 10元 = 700元".
    """
    if medium not in PER_VOLUME_MEDIA:
        raise InputError("medium", PER_VOLUME_MEDIUM_RULE,
                         f"未知或不适用的提供方式“{medium}”，应为 paper、email 或 electronic_copy")
    n = _whole_number(pages, "pages", PER_VOLUME_RULE, "页数")
    lines = [f"按量计收（{PER_VOLUME_MEDIA[medium]}）：共{n}页"]
    bands = []
    total = 0
    for tier in PER_VOLUME_TIERS:
        if n < tier.first:
            break
        hi = n if tier.last is None else min(n, tier.last)
        count = hi - tier.first + 1
        amount = count * tier.yuan
        total += amount
        bands.append((f"第{tier.first}–{hi}页", count, tier.yuan, amount))
        if tier.yuan == 0:
            lines.append(f"第{tier.first}–{hi}页：{count}页，免费")
        else:
            lines.append(f"第{tier.first}–{hi}页：{count}页 × {tier.yuan}元 = {amount}元")
    lines.append(f"合计：{total}元")
    return Fee(method="per_volume", amount_yuan=total, breakdown=tuple(lines), bands=tuple(bands))


COST_BASIS = "《条例》（2008）第二十七条：检索、复制、邮寄等成本费用，按当地价格主管部门核定的标准收取"
COST_RULE = "2008年规则下只可收取检索费（search）、复制费（copying）、邮寄费（mailing）等成本费用，各项金额为正整数（元）"
COST_KINDS: Mapping[str, str] = MappingProxyType({"search": "检索费", "copying": "复制费", "mailing": "邮寄费"})


def cost_fee(costs: Mapping[str, object]) -> Fee:
    """The cost fees of a 2008-rules case (2008 Art 27): each kind with its amount at local rates."""
    if not isinstance(costs, Mapping) or not costs:
        raise InputError("costs", COST_RULE, "未列明收费项目")
    bands = []
    for kind, yuan in costs.items():
        if kind not in COST_KINDS:
            raise InputError("costs", COST_RULE, f"未知的收费项目“{kind}”（2008年规则不收取信息处理费）")
        amount = _whole_number(yuan, "costs", COST_RULE, COST_KINDS[kind])
        bands.append((COST_KINDS[kind], 1, amount, amount))
    total = sum(b[3] for b in bands)
    lines = tuple(f"{b[0]}：{b[3]}元" for b in bands) + (f"合计：{total}元",)
    return Fee(method="cost", amount_yuan=total, breakdown=lines, basis=COST_BASIS, bands=tuple(bands))


def nth_request_in_month(received_dates: Sequence[dt.date], index: int) -> int:
    """The ordinal (1-based) of request `received_dates[index]` among its calendar month's requests.

    `received_dates` are the receipt dates of ONE applicant's requests (the caller selects them;
    other applicants' requests never count). Requests are ordered by date; requests received on
    the same day keep the order in which they are listed. Only requests in the same calendar
    month (same year and month) as the request at `index` count, so the count restarts at 1 on
    the first of every month.
    """
    bad_type = isinstance(index, bool) or not isinstance(index, int)
    if bad_type or not 0 <= index < len(received_dates):
        raise InputError("index", "须指向所列申请之一",
                         f"序号 {index!r} 超出所列 {len(received_dates)} 件申请的范围")
    this = received_dates[index]
    earlier = sum(
        1
        for i, d in enumerate(received_dates)
        if (d.year, d.month) == (this.year, this.month) and (d < this or (d == this and i < index))
    )
    return earlier + 1
