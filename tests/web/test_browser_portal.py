"""The applicant portal in a real headless Chromium (the fixtures of tests/web/test_browser.py): an
applicant reads the guide, applies online (a refused field first), gets the case number, the
query code and the receipt, then follows the case with them; axe-core on every portal page at a
desktop and a phone width."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .conftest import AGENCY
from .test_browser import axe_check, browser, by_id, downloads, server, site, submit  # noqa: F401
from .test_portal import ID_NUMBER, solve

PHONE, DESKTOP = (390, 844), (1280, 1000)


def axe_both(driver, shot: str = "") -> None:
    """axe-core at a desktop and a phone width (layout follows the width). With
    FOI_PORTAL_SCREENSHOTS=DIR, the phone view is saved there as portal-<shot>.png (docs/screenshots)."""
    try:
        for width, height in (DESKTOP, PHONE):
            driver.set_window_size(width, height)
            axe_check(driver)
            folder = os.environ.get("FOI_PORTAL_SCREENSHOTS")
            if folder and shot and (width, height) == PHONE:
                full = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(width, min(full + 140, 4000))
                driver.save_screenshot(str(Path(folder) / f"portal-{shot}.png"))
                driver.set_window_size(width, height)
            # nothing wider than the phone's screen: no sideways scrolling
            wide = driver.execute_script("return document.documentElement.scrollWidth")
            assert wide <= driver.execute_script("return window.innerWidth") + 1, (driver.current_url, width, wide)
    finally:
        driver.set_window_size(*DESKTOP)


def fill(driver, **fields: str) -> None:
    from selenium.webdriver.support.ui import Select

    for name, value in fields.items():
        el = by_id(driver, f"f-{name}")
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)


def test_an_applicant_applies_online_gets_the_case_number_and_query_code_and_follows_the_case(
        site, browser, downloads):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site + "/apply")
    axe_both(d)
    d.find_element(By.PARTIAL_LINK_TEXT, "榆次区自然资源局").click()
    assert "申请指南" in d.find_element(By.TAG_NAME, "h1").text
    axe_both(d, "guide")
    d.find_element(By.PARTIAL_LINK_TEXT, "在线填写申请").click()
    axe_both(d)
    fill(d, a_kind="natural_person", a_name="李雷", a_id_number="110105194912310021",  # a wrong check digit
         a_phone="13912345678", a_email="lilei@example.cn", item1_description="2026年某地块征收补偿方案")
    by_id(d, "f-form-electronic").click()
    by_id(d, "f-delivery-online").click()
    by_id(d, "f-consent").click()
    by_id(d, "f-challenge").send_keys(solve(d.page_source))
    submit(d, d.find_element(By.CSS_SELECTOR, "form.card button[type=submit]:not([name])"))
    error = by_id(d, "err-a_id_number")
    assert "校验码" in error.text
    assert by_id(d, "f-item1_description").get_attribute("value") == "2026年某地块征收补偿方案"  # kept
    assert by_id(d, "f-consent").is_selected()
    axe_both(d, "refused")  # the refused form, its errors announced beside their fields

    fill(d, a_id_number=ID_NUMBER)
    by_id(d, "f-challenge").send_keys(solve(d.page_source))
    submit(d, d.find_element(By.CSS_SELECTOR, "form.card button[type=submit]:not([name])"))
    case_no, code = by_id(d, "case-no").text, by_id(d, "query-code").text
    assert case_no.startswith(AGENCY + "-") and len(code) == 19
    axe_both(d, "done")
    before = set(downloads.iterdir())
    d.find_element(By.PARTIAL_LINK_TEXT, "下载接收回执").click()
    for _ in range(100):
        new = [p for p in set(downloads.iterdir()) - before if p.suffix == ".pdf"]
        if new:
            break
        time.sleep(0.1)
    assert new and new[0].read_bytes()[:5] == b"%PDF-"

    d.delete_all_cookies()  # later, another visit: the number and the code
    d.get(site + "/apply/query")
    axe_both(d)
    fill(d, case_no=case_no, code=code)
    submit(d, by_id(d, "f-code"))
    assert d.current_url.endswith("/apply/case") and case_no not in d.current_url
    assert "正在审查" in d.page_source and "答复期限" in d.page_source and "接收回执" in d.page_source
    axe_both(d, "case")
