"""管理 and 年度报告 in a real headless Chromium (the fixtures of tests/web/test_browser.py): an
admin creates an account and an agency, a head locks a year and unlocks it with a reason; axe-core on
every new page."""

from __future__ import annotations

from .. import factories as f
from .conftest import PW
from .test_browser import axe_check, browser, by_id, downloads, flash, server, site, submit  # noqa: F401

YEAR = 2025


def sign_in(driver, site: str, code: str) -> None:
    driver.delete_all_cookies()
    driver.get(site + "/login")
    by_id(driver, "code").send_keys(code)
    by_id(driver, "password").send_keys(PW)
    submit(driver, by_id(driver, "password"))


def test_an_admin_creates_an_account_and_a_head_locks_the_year_on_accessible_pages(site, browser, clean_db):
    from selenium.webdriver.support.ui import Select

    f.staff(clean_db, "a1", "周九", "admin", "yc", password=PW)
    sign_in(browser, site, "a1")
    browser.get(site + "/admin")
    axe_check(browser)
    for name, value in (("code", "c9"), ("name", "吴十"), ("identifier", "E1009"),
                        ("password", "another-horse-9"), ("password2", "another-horse-9")):
        by_id(browser, f"create-{name}").send_keys(value)
    Select(by_id(browser, "create-agency")).select_by_value("yc-zrzy")
    browser.find_element("css selector", "input[name=role_clerk]").click()
    submit(browser, browser.find_element("css selector", "form[action='/admin/accounts'] button"))
    assert "已创建账户：c9" in flash(browser)
    axe_check(browser)  # the account's page
    for path in ("/admin/tokens", "/admin/agencies/yc-zrzy", "/admin/calendar", "/admin/access-log"):
        browser.get(site + path)
        axe_check(browser)
    browser.get(site + "/admin")  # a new agency under the government, with its settings
    by_id(browser, "agency-code").send_keys("yc-jyj")
    by_id(browser, "agency-name").send_keys("榆次区教育局")
    Select(by_id(browser, "agency-kind")).select_by_value("department")
    Select(by_id(browser, "agency-parent")).select_by_value("yc")
    submit(browser, browser.find_element("css selector", "form[action='/admin/agencies'] button"))
    assert "已新增机关：榆次区教育局（yc-jyj）" in flash(browser)

    sign_in(browser, site, "h1")
    browser.get(f"{site}/reports?year={YEAR}")
    axe_check(browser)
    submit(browser, browser.find_element("css selector", "form[action='/reports/lock'] button"))
    assert f"已锁定{YEAR}年度" in flash(browser)
    assert "（已锁定）" in browser.find_element("tag name", "h1").text
    axe_check(browser)  # with the unlock form
    by_id(browser, "unlock-reason").send_keys("更正表三第二栏的录入错误")
    submit(browser, browser.find_element("css selector", "form[action='/reports/unlock'] button"))
    assert f"已解锁{YEAR}年度" in flash(browser)
    assert "（已锁定）" not in browser.find_element("tag name", "h1").text
    axe_check(browser)  # with the record of the unlock
