"""Agency settings that change the marked defaults of ogi-rules.md and clock.md."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError


@dataclass(frozen=True)
class AgencySettings:
    # Art 30: the law names no number; a reasonable period, in working days.
    correction_period_working_days: int = 15
    # (practice) an online or fax submission on a non-working day counts as received on the
    # next working day.
    weekend_online_receipt_next_working_day: bool = False
    # (practice) from sending the fee notice to payment is not counted in the reply period.
    exclude_fee_time: bool = True
    # (practice) alerts: a reply due within this many working days is flagged "due soon".
    alert_working_days: int = 3
    # ogi-rules.md "Dates of steps": a step recorded more than this many working days after its
    # legal date shows as back-dated, with who recorded it.
    backdate_working_days: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.alert_working_days <= 20:
            raise InputError("alert_working_days", "到期提醒提前量须为1至20个工作日",
                             f"设置值 {self.alert_working_days} 不在范围内")
        if not 0 <= self.backdate_working_days <= 20:
            raise InputError("backdate_working_days", "补录提示的工作日数须为0至20",
                             f"设置值 {self.backdate_working_days} 不在范围内")
        if not 1 <= self.correction_period_working_days <= 60:
            raise InputError("correction_period_working_days", "补正期限须为1至60个工作日",
                             f"设置值 {self.correction_period_working_days} 不在范围内")


DEFAULT_SETTINGS = AgencySettings()
