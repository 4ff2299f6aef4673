"""What the pages show: 我的待办 by urgency, the case page's dates and moves, the board."""

from __future__ import annotations

import datetime as dt
import re

from foi_workflow.domain.clock import reply_due

from .. import factories as f
from .conftest import AGENCY, TODAY, sign_in


def groups_of(html: str) -> dict[str, list[str]]:
    """Case numbers under each heading of 我的待办."""
    out: dict[str, list[str]] = {}
    for key, body in re.findall(r'<section aria-labelledby="g-(\w+)".*?>(.*?)</section>', html, re.S):
        out[key] = re.findall(r'href="/cases/([^"]+)"', body)
    return out


def received_for_due(calendar, due: dt.date) -> dt.date:
    day = due
    while reply_due(calendar, day)[0] != due:
        day -= dt.timedelta(days=1)
        assert day > due - dt.timedelta(days=60)
    return day


def test_my_inbox_lists_the_agency_s_open_cases_by_urgency(client, office, calendar):
    def new(received: dt.date) -> str:
        return f.register(office, agency=AGENCY, actor="c1", received=received, today=TODAY).case_no

    overdue, today, later, waiting, closed = (new(dt.date(2026, 10, 9)), new(received_for_due(calendar, TODAY)),
                                              new(TODAY), new(TODAY), new(TODAY))
    f.step(office, waiting, "request_correction", "c1", TODAY, today=TODAY, items="请写明文号")
    f.step(office, closed, "withdraw", "c1", TODAY, today=TODAY)
    sign_in(client, "c2")  # a colleague of the same office sees the office's cases
    groups = groups_of(client.get("/").text)
    assert groups["overdue"] == [overdue] and groups["today"] == [today]
    assert groups["waiting"] == [waiting] and later in groups["later"] + groups["soon"]
    assert closed not in sum(groups.values(), [])
    sign_in(client, "o1")  # another agency's clerk sees none of them
    assert sum(groups_of(client.get("/").text).values(), []) == []


def test_the_case_page_offers_only_the_moves_this_person_may_make_now(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(client, "c1")
    clerk = set(re.findall(r'id="move-(\w+)"', client.get(f"/cases/{case_no}").text))
    assert {"accept", "request_correction", "acknowledge"} <= clerk and not clerk & {"sign_off", "reply", "extend"}
    sign_in(client, "r1")
    assert "sign_off" not in client.get(f"/cases/{case_no}").text  # not before acceptance
    sign_in(client, "s1")  # the supervisor above reads the case but makes no move in its name
    page = client.get(f"/cases/{case_no}").text
    assert "您目前没有可在本案办理的事项" in page and 'id="move-' not in page
    assert "答复期限" in page and "<details>" in page  # each date with its explanation on demand


def test_the_supervisor_above_finds_the_overdue_case_on_the_board(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=dt.date(2026, 10, 9), today=TODAY).case_no
    sign_in(client, "s1")
    board = client.get("/board").text
    assert case_no in board and "榆次区自然资源局" in board
    assert re.search(r"未处理的提醒共 \d+ 条，已逾期 \d+ 条。</p>", board)  # the counts by level, in Chinese
    filtered = client.get("/board", params={"handler": "nobody"}).text
    assert case_no not in filtered


def test_fee_lapsed_is_offered_on_the_case_page_only_after_the_fee_notice_s_payment_period(client, office):
    """逾期未缴费 only once a fee notice was issued and its payment period has passed (the
    service hands the case's schedule and today's legal date to domain.open_moves)."""
    def with_fee(received: dt.date, delivered: dt.date) -> str:
        no = f.register(office, agency=AGENCY, actor="c1", received=received, today=TODAY).case_no
        f.step(office, no, "accept", "c1", received, today=TODAY)
        f.step(office, no, "fee_notice", "c1", delivered, today=TODAY, method="per_volume", pages=400,
               medium="paper", delivered=delivered.isoformat())
        return no

    sign_in(client, "c1")
    fresh = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    f.step(office, fresh, "accept", "c1", TODAY, today=TODAY)
    assert 'id="move-fee_lapsed"' not in client.get(f"/cases/{fresh}").text  # no fee notice
    running = with_fee(dt.date(2026, 11, 20), dt.date(2026, 11, 20))
    page = client.get(f"/cases/{running}").text
    assert 'id="move-fee_lapsed"' not in page and 'id="move-fee_paid"' in page
    passed = with_fee(dt.date(2026, 9, 1), dt.date(2026, 9, 2))
    assert 'id="move-fee_lapsed"' in client.get(f"/cases/{passed}").text


def test_the_timeliness_page_lists_the_open_overdue_case_and_names_a_bad_year(client, office):
    """时效统计 in the browser (services/timeliness.py): the supervisor sees the year's figures
    with the overdue case linked; a year that is not one is named beside its field."""
    case_no = f.register(office, agency=AGENCY, actor="c1", received=dt.date(2026, 6, 1), today=TODAY).case_no
    sign_in(client, "s1")
    assert "/board/timeliness" in client.get("/board").text
    page = client.get("/board/timeliness", params={"year": "2026"})
    assert page.status_code == 200
    assert "逾期未答复" in page.text and f'href="/cases/{case_no}"' in page.text and "合计" in page.text
    bad = client.get("/board/timeliness", params={"year": "twenty"})
    assert bad.status_code == 400 and "年度为四位数字" in bad.text
    early = client.get("/board/timeliness", params={"year": "2001"})
    assert early.status_code == 400 and "2008" in early.text
