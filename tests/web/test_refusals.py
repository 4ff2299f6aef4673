"""Every refusal shows its Chinese rule next to the field it concerns (issue 13: "every refusal
shows the Chinese rule next to the field"), on every kind of page — also when the rule names a
field by the service's name, or the page has nothing else to show."""

from __future__ import annotations

import re

import pytest

from .conftest import PW, csrf_of, sign_in

BESIDE = r'id="err-{}"[^>]*role="alert">[^<]+<span class="rule">依据：[^<]*{}'


def post(client, page: str, path: str, data: dict):
    return client.post(path, data={"csrf": csrf_of(client.get(page).text), **data}, follow_redirects=False)


REPORT = {"agency": "yc-zrzy", "year": "2025"}
CASES = [
    ("a new password too short, named by the password rules", "/password", "/password",
     {"current": PW, "new": "short", "new2": "short"}, "new", "10"),
    ("a bulk action with no case chosen, on an office with none open", "/bulk", "/bulk",
     {"action": "acknowledge", "on": "2026-11-27"}, "case", "批量办理"),
    ("a consultation count below zero", "/reports?year=2025", "/reports/consultations",
     {**REPORT, "on": "2025-03-02", "channel": "phone", "count": "-1"}, "consultation-count", "数量"),
    ("a fee amount that is not a number", "/reports?year=2025", "/reports/fees",
     {**REPORT, "on": "2025-03-02", "kind": "copying", "amount_yuan": "abc"}, "fee-amount_yuan", ""),
    ("a narrative section the report does not have", "/reports?year=2025", "/reports/narrative",
     {**REPORT, "section": "nosuch", "text": "x"}, "page", ""),
    ("a token of no days", "/admin/tokens", "/admin/tokens", {"name": "x", "days": "0"}, "token-days", ""),
]


@pytest.mark.parametrize("what,page,path,data,field,rule", CASES, ids=[c[0] for c in CASES])
def test_a_refusal_shows_its_chinese_rule_beside_its_field(client, what, page, path, data, field, rule):
    sign_in(client, "c1")
    r = post(client, page, path, data)
    assert r.status_code == 422, what
    assert re.search(BESIDE.format(re.escape(field), re.escape(rule)), r.text), what
