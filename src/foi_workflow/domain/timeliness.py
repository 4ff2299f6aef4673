"""Timeliness (时效): which answers came after the date the law set — lapses that stay visible.

ogi-rules.md "Dates of steps": a correction notice after the 7th working day is unlawful but may
still be recorded; it is marked late and stays visible (alerts, board, *statistics of
lateness*). Likewise a reply given after reply_due (Art 33, extended or longer deadline
included) is a lapse: the case is closed, but the year's figures show it.

Only a reply in substance counts against reply_due: a case closed because the applicant did not
correct, did not pay or withdrew (其他处理) had no reply to give, so it is neither on time nor late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: outcomes that close a case without a reply in substance (table 3's 其他处理)
NO_REPLY_PREFIX = "other."


def is_reply(outcome: str | None) -> bool:
    """A closing outcome that answered the application (counts against reply_due)."""
    return bool(outcome) and not str(outcome).startswith(NO_REPLY_PREFIX)


def reply_late(outcome: str | None, replied_on: dt.date | None, reply_due: dt.date | None) -> bool:
    """A reply given after its due date (the day itself is still on time)."""
    return is_reply(outcome) and replied_on is not None and reply_due is not None and replied_on > reply_due


@dataclass
class AgencyTimeliness:
    """One agency's figures for a year: replies given and how many late; correction notices
    sent and how many after the 7th working day; open cases past reply_due on the day read."""

    code: str
    name: str
    replies: int = 0
    replies_late: list[str] = field(default_factory=list)          # case numbers
    correction_notices: int = 0
    correction_notices_late: list[str] = field(default_factory=list)
    open_overdue: list[str] = field(default_factory=list)

    def add_reply(self, case_no: str, outcome: str | None, replied_on: dt.date | None,
                  reply_due: dt.date | None) -> None:
        if not is_reply(outcome):
            return
        self.replies += 1
        if reply_late(outcome, replied_on, reply_due):
            self.replies_late.append(case_no)

    def add_correction_notice(self, case_no: str, late: bool) -> None:
        self.correction_notices += 1
        if late:
            self.correction_notices_late.append(case_no)

    @property
    def on_time_share(self) -> float | None:
        """Replies on time as a share of replies given (None when none was given)."""
        if not self.replies:
            return None
        return (self.replies - len(self.replies_late)) / self.replies
