"""年度报告: a locked year is opened again in the browser only by whom the policy allows (the
agency's own head or admin: “锁定或解锁年度数据”), with a reason; the unlock is recorded with the
figures as published, and a later locked year must be opened first."""

from __future__ import annotations

from sqlalchemy import select

from foi_workflow.storage import db
from foi_workflow.storage.statistics_tables import UnlockRow

from .conftest import AGENCY, sign_in
from .test_reports import YEAR, locked, post


def unlock_rows(office):
    with db.session_scope(office) as s:
        return [(r.year, r.locked_by, r.unlocked_by, r.reason, bool(r.figures))
                for r in s.scalars(select(UnlockRow).order_by(UnlockRow.id))]


def test_a_head_unlocks_a_locked_year_with_a_reason_and_the_unlock_is_recorded(client, office):
    sign_in(client, "h1")
    assert post(client, "/reports/lock", {}).status_code == 303 and locked(office) == [YEAR]
    page = client.get(f"/reports?year={YEAR}&agency={AGENCY}").text
    assert "解锁2025年度" in page and 'id="unlock-reason"' in page
    r = post(client, "/reports/unlock", {"reason": "更正表三第二栏的录入错误"})
    assert r.status_code == 303 and locked(office) == []
    shown = client.get(r.headers["location"]).text
    assert "已解锁2025年度：yc-zrzy" in shown and "更正表三第二栏的录入错误" in shown and "解锁记录" in shown
    assert unlock_rows(office) == [(YEAR, "h1", "h1", "更正表三第二栏的录入错误", True)]
    # the registers are open again
    assert post(client, "/reports/narrative", {"section": "overview", "text": "更正后的说明"}).status_code == 303


def test_an_unlock_without_a_reason_is_refused_beside_the_field_and_the_year_stays_locked(client, office):
    sign_in(client, "h1")
    post(client, "/reports/lock", {})
    r = post(client, "/reports/unlock", {"reason": " "})
    assert r.status_code == 422 and 'id="err-unlock-reason"' in r.text and "须写明理由" in r.text
    assert locked(office) == [YEAR] and unlock_rows(office) == []


def test_a_clerk_cannot_unlock_a_year_and_is_shown_the_rule(client, office):
    sign_in(client, "h1")
    post(client, "/reports/lock", {})
    sign_in(client, "c1")
    r = post(client, "/reports/unlock", {"reason": "想改一下数字"})
    assert r.status_code == 403 and "锁定或解锁年度数据" in r.text and 'id="err-unlock-form"' in r.text
    assert locked(office) == [YEAR] and unlock_rows(office) == []


def test_a_year_not_locked_cannot_be_unlocked(client, office):
    sign_in(client, "h1")
    r = post(client, "/reports/unlock", {"reason": "更正表三第二栏的录入错误"})
    assert r.status_code == 422 and "只能解锁已锁定的年度" in r.text and unlock_rows(office) == []


def test_an_earlier_year_is_unlocked_only_after_the_later_locked_year(client, office):
    sign_in(client, "h1")
    assert post(client, "/reports/lock", {"year": str(YEAR - 1)}).status_code == 303
    assert post(client, "/reports/lock", {}).status_code == 303
    r = post(client, "/reports/unlock", {"year": str(YEAR - 1), "reason": "更正表三第二栏的录入错误"})
    assert r.status_code == 422 and "须按年度倒序解锁" in r.text and locked(office) == [YEAR - 1, YEAR]
    assert post(client, "/reports/unlock", {"reason": "先解锁较晚年度"}).status_code == 303
    assert post(client, "/reports/unlock", {"year": str(YEAR - 1), "reason": "再解锁较早年度"}).status_code == 303
    assert locked(office) == []
