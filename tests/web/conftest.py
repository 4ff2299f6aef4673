"""The workbench's tests: an office with signed-in staff, the app under TestClient, and (for
tests/web/test_browser.py) a real headless Chromium from the distribution driving a live server."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from argon2 import PasswordHasher

from foi_workflow.config import Settings
from foi_workflow.services import auth

from .. import factories as f

TODAY = dt.date(2026, 11, 27)
AGENCY = "yc-zrzy"
PW = "correct-horse-9"
STAFF = (("c1", "张三", "clerk", AGENCY), ("c2", "赵六", "clerk", AGENCY), ("r1", "李四", "reviewer", AGENCY),
         ("h1", "王五", "head", AGENCY), ("s1", "钱七", "supervisor", "yc"), ("o1", "孙八", "clerk", "tg"))


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """argon2id at its least cost here (the production cost is tested in tests/services)."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    auth._dummy_hash.cache_clear()


def make_office(url: str) -> str:
    f.agency(url, "yc", "榆次区人民政府", "government")
    f.agency(url, AGENCY, "榆次区自然资源局", "department", parent="yc")
    f.agency(url, "tg", "太谷区人民政府", "government")
    for code, name, role, agency in STAFF:
        f.staff(url, code, name, role, agency, password=PW)
    return url


@pytest.fixture
def office(clean_db: str) -> str:
    return make_office(clean_db)


def web_settings(url: str) -> Settings:
    return Settings.load(database_url=url, today=TODAY, web_secret="test-secret-for-signing-only")


@pytest.fixture
def client(office):
    from fastapi.testclient import TestClient

    from foi_workflow.web.app import create_app

    with TestClient(create_app(web_settings(office)), raise_server_exceptions=False) as c:
        yield c


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client, code: str, password: str = PW):
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "code": code, "password": password,
                                       "next": "/"}, follow_redirects=False)
