"""The workbench in a real browser: the distribution's headless Chromium, driven by Selenium,
against the app served by uvicorn on 127.0.0.1 (nothing is downloaded at test time).

Without chromium and chromedriver these tests are skipped with a plain message; under
FOI_REQUIRE_BROWSER=1 (.ci/run) a missing browser is a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from .. import factories as f
from .. import tools
from .conftest import AGENCY, PW, TODAY, make_office, web_settings

MISSING = ("浏览器测试未运行：未找到 chromium 和 chromedriver（Debian/Ubuntu：apt-get install chromium "
           "chromium-driver）。Browser tests skipped: chromium/chromedriver not installed.")


def _binaries() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def _new_driver(downloads: Path):
    found = _binaries()
    tools.require(found, tools.BROWSER, MISSING)
    assert found is not None
    os.environ.setdefault("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--lang=zh-CN", "--window-size=1280,1000", "--no-first-run"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=found[1]), options=options)
    driver.implicitly_wait(0)
    return driver


@pytest.fixture(scope="session")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def browser(downloads):
    """The one browser of the test session."""
    driver = _new_driver(downloads)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def second_browser(browser, tmp_path_factory):
    """A second person's browser (its own profile and cookies), for the two-people test."""
    driver = _new_driver(tmp_path_factory.mktemp("downloads2"))
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def server(db_url):
    """The app on uvicorn in a thread, on a free port of 127.0.0.1."""
    import uvicorn

    from foi_workflow.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(web_settings(db_url)), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(5)


@pytest.fixture
def site(server, clean_db, browser):
    make_office(clean_db)
    browser.delete_all_cookies()
    return server


# ----- helpers --------------------------------------------------------------------------------

def by_id(driver, element_id: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def submit(driver, element) -> None:
    """Submit a form and wait for the next page to load."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element("tag name", "html")
    element.click() if element.tag_name == "button" else element.submit()

    def old_page_gone(_driver) -> bool:
        # Chromium answers a node of a page being replaced with either a stale-element error or
        # "Node with given id does not belong to the document": both mean the old page is gone
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(driver, 20).until(old_page_gone)


def sign_in_as(driver, site: str, code: str) -> None:
    driver.delete_all_cookies()
    driver.get(site + "/login")
    by_id(driver, "code").send_keys(code)
    by_id(driver, "password").send_keys(PW)
    submit(driver, by_id(driver, "password"))
    assert "我的待办" in driver.find_element("tag name", "h1").text


def choose(driver, element_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(by_id(driver, element_id)).select_by_value(value)


def make_move(driver, kind: str, **fields: str) -> None:
    """Open the move's form on the case page, fill it and submit it."""
    from selenium.webdriver.common.by import By

    box = by_id(driver, f"move-{kind}")
    box.find_element(By.TAG_NAME, "summary").click()
    for name, value in fields.items():
        el = by_id(driver, f"{kind}-{name}")
        if el.tag_name == "select":
            choose(driver, el.get_attribute("id"), value)
        else:
            el.clear()
            el.send_keys(value)
    submit(driver, box.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def flash(driver) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, ".flash")
    return found[0].text if found else ""


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"   # MPL-2.0, see its README.md
AXE_VERSION = "4.14.1"
AXE_SRI = "KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="                # the package's sri-history.json


@functools.cache
def _axe_source() -> str:
    import base64
    import hashlib

    blob = AXE.read_bytes()
    assert base64.b64encode(hashlib.sha256(blob).digest()).decode() == AXE_SRI, f"{AXE} is not axe {AXE_VERSION}"
    return blob.decode("utf-8")


def axe_check(driver) -> None:
    """axe-core (vendored: tests/web/vendor/axe-core) on the page shown: no serious or critical
    violation of the WCAG 2.x A/AA rules and axe's best practices."""
    driver.execute_script(_axe_source())
    assert driver.execute_script("return axe.version") == AXE_VERSION
    result = driver.execute_async_script("var done = arguments[arguments.length - 1];"
                                         "axe.run(document, {resultTypes: ['violations']})"
                                         ".then(function (r) { done(r); });")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert not bad, f"{driver.current_url}: {bad}"


# ----- the tests ------------------------------------------------------------------------------

def test_a_clerk_registers_and_accepts_a_reviewer_signs_off_the_head_replies_and_the_notice_downloads(
        site, browser, downloads):
    d = browser
    sign_in_as(d, site, "c1")
    d.get(site + "/register")
    choose(d, "r-channel", "in_person")
    by_id(d, "r-items").send_keys("某地块征收补偿方案")
    choose(d, "r-form", "paper")
    choose(d, "r-delivery", "post")
    choose(d, "r-a_kind", "commercial")
    by_id(d, "r-a_name").send_keys("某公司")
    choose(d, "r-a_id_type", "credit_code")
    by_id(d, "r-a_id_number").send_keys(f.CREDIT_CODE)
    by_id(d, "r-a_contact_person").send_keys("王经理")
    by_id(d, "r-a_phone").send_keys("13912345678")
    by_id(d, "r-a_address").send_keys("山西省晋中市榆次区顺城街1号")
    by_id(d, "r-a_postcode").send_keys("030600")
    submit(d, by_id(d, "r-a_postcode"))
    assert flash(d).startswith("已登记：" + AGENCY), d.page_source[:3000]
    case_url = d.current_url
    assert "某公司" in d.page_source and f.CREDIT_CODE not in d.page_source  # the code is masked
    make_move(d, "accept")
    assert "已办理“审查通过”" in flash(d)

    sign_in_as(d, site, "r1")
    d.get(case_url)
    make_move(d, "sign_off", decision="disclose")
    assert "已办理“保密审查签发”" in flash(d)

    sign_in_as(d, site, "h1")
    d.get(case_url)
    make_move(d, "reply", outcome="disclosed", provided="《某地块征收补偿方案》全文", form="paper", delivery="post")
    assert "已办理“答复”" in flash(d)
    assert "已办结" in d.page_source

    from selenium.webdriver.common.by import By

    links = [a for a in d.find_elements(By.PARTIAL_LINK_TEXT, "下载 PDF")]
    assert links, "no notice listed"
    before = set(downloads.iterdir())
    links[-1].click()
    for _ in range(100):
        new = [p for p in set(downloads.iterdir()) - before if p.suffix == ".pdf"]
        if new:
            break
        time.sleep(0.1)
    assert new and new[0].read_bytes()[:5] == b"%PDF-"


def test_a_refused_move_shows_its_rule_beside_the_field(site, browser, clean_db):
    case_no = f.register(clean_db, agency=AGENCY, actor="c1", received=TODAY,
                         today=TODAY).case_no
    sign_in_as(browser, site, "c1")
    browser.get(f"{site}/cases/{case_no}")
    make_move(browser, "request_correction")  # the items to correct left empty
    error = by_id(browser, "err-items")
    assert "第三十条" in error.text
    assert by_id(browser, "request_correction-items").get_attribute("aria-invalid") == "true"


def test_two_people_on_one_case_one_wins_and_the_other_is_told_to_reload(site, browser, second_browser,
                                                                          clean_db):
    case_no = f.register(clean_db, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    second_browser.delete_all_cookies()
    sign_in_as(browser, site, "c1")
    sign_in_as(second_browser, site, "c2")
    for d in (browser, second_browser):
        d.get(f"{site}/cases/{case_no}")
    make_move(browser, "acknowledge")
    assert "已办理“出具接收回执”" in flash(browser)
    make_move(second_browser, "request_correction", items="请写明地块编号")
    assert "本案已被他人同时办理，请刷新后重试" in second_browser.page_source
    assert by_id(second_browser, "request_correction-items").get_attribute("value") == "请写明地块编号"


def test_every_page_has_no_serious_or_critical_accessibility_violation(site, browser, clean_db):
    case_no = f.register(clean_db, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    browser.get(site + "/login")
    axe_check(browser)
    sign_in_as(browser, site, "c1")
    for path in ("/", "/register", f"/cases/{case_no}", "/board", "/board/timeliness", "/password", "/find?q=nothing",
                 "/bulk", "/find?q=%E6%9F%90", "/reports", "/admin/tokens", "/admin", "/no-such-page"):
        browser.get(site + path)
        axe_check(browser)



def test_a_supervisor_finds_the_overdue_case_on_the_board_and_opens_it(site, browser, clean_db):
    import datetime as dt

    from selenium.webdriver.common.by import By

    case_no = f.register(clean_db, agency=AGENCY, actor="c1", received=dt.date(2026, 10, 9), today=TODAY).case_no
    sign_in_as(browser, site, "s1")
    browser.find_element(By.LINK_TEXT, "督办").click()
    link = browser.find_element(By.LINK_TEXT, case_no)
    link.click()
    assert browser.find_element(By.TAG_NAME, "h1").text == f"案件 {case_no}"
    assert "您目前没有可在本案办理的事项" in browser.page_source


def fill_move(driver, kind: str, /, **fields: str) -> None:
    """make_move for forms with date fields: a date is set as the input's value (the typed form
    of a date input depends on the browser's locale)."""
    from selenium.webdriver.common.by import By

    box = by_id(driver, f"move-{kind}")
    if box.get_attribute("open") is None:
        box.find_element(By.TAG_NAME, "summary").click()
    for name, value in fields.items():
        el = by_id(driver, f"{kind}-{name}")
        if el.tag_name == "select":
            choose(driver, el.get_attribute("id"), value)
        elif el.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1];", el, value)
        else:
            el.clear()
            el.send_keys(value)
    submit(driver, box.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "已办理" in flash(driver), (kind, [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".error")])


def test_a_clerk_takes_a_two_item_application_through_correction_consultation_sign_off_extension_and_reply(
        site, browser, downloads):
    from selenium.webdriver.common.by import By

    d = browser
    sign_in_as(d, site, "c1")
    d.get(site + "/register")
    choose(d, "r-channel", "letter")
    by_id(d, "r-items").send_keys("某地块征收补偿方案\n某路拓宽工程批复")
    choose(d, "r-form", "paper")
    choose(d, "r-delivery", "post")
    choose(d, "r-a_kind", "commercial")
    by_id(d, "r-a_name").send_keys("某公司")
    choose(d, "r-a_id_type", "credit_code")
    by_id(d, "r-a_id_number").send_keys(f.CREDIT_CODE)
    by_id(d, "r-a_contact_person").send_keys("王经理")
    by_id(d, "r-a_phone").send_keys("13912345678")
    by_id(d, "r-a_address").send_keys("山西省晋中市榆次区顺城街1号")
    by_id(d, "r-a_postcode").send_keys("030600")
    submit(d, d.find_element(By.CSS_SELECTOR, "button[formaction='/register/check']"))
    assert "核对提示" in d.page_source and "未找到同一申请人" in d.page_source  # the hints, nothing saved yet
    assert by_id(d, "r-a_name").get_attribute("value") == "某公司"
    submit(d, d.find_element(By.XPATH, "//button[text()='登记']"))
    assert flash(d).startswith("已登记：" + AGENCY), d.page_source[:3000]
    case_url = d.current_url
    assert "某路拓宽工程批复" in d.page_source

    day = TODAY.isoformat()
    fill_move(d, "request_correction", items="请写明第二项批复的文号或作出年份")
    fill_move(d, "record_delivery", notice="correction", method="post", tracking="EA123456789CN", received=day)
    assert "EA123456789CN" in by_id(d, "h-deliveries").find_element(By.XPATH, "..").text
    fill_move(d, "correction_received")
    fill_move(d, "accept")
    fill_move(d, "consult", kind="third_party", party="某公司（被征收人）")
    fill_move(d, "consultation_answered", answer="consent")

    sign_in_as(d, site, "r1")
    d.get(case_url)
    fill_move(d, "sign_off", decision="disclose")

    sign_in_as(d, site, "h1")
    d.get(case_url)
    fill_move(d, "extend", days="15", reasons="征求第三方意见，需延长答复期限")
    item = {"outcome": "disclosed", "form": "paper", "delivery": "post"}
    fill_move(d, "reply", **{f"i{n}_{k}": v for n in (1, 2) for k, v in item.items()},
              i1_provided="《某地块征收补偿方案》全文", i2_provided="《某路拓宽工程批复》全文")
    assert "已办结" in d.page_source

    links = d.find_elements(By.PARTIAL_LINK_TEXT, "下载 PDF")
    kinds = [r.text for r in d.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=h-notices] tbody tr")]
    assert any("补正" in k for k in kinds) and any("延期" in k for k in kinds) and any("答复" in k for k in kinds)
    before = set(downloads.iterdir())
    for link in links:
        link.click()
    for _ in range(200):
        new = [p for p in set(downloads.iterdir()) - before if p.suffix == ".pdf"]
        if len(new) >= len(links):
            break
        time.sleep(0.1)
    assert len(new) == len(links) and all(p.read_bytes()[:5] == b"%PDF-" for p in new)


def test_a_step_typed_into_an_expired_session_comes_back_after_signing_in_and_the_upload_speaks_chinese(
        site, browser, clean_db, tmp_path):
    from selenium.webdriver.common.by import By

    case_no = f.register(clean_db, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in_as(browser, site, "c1")
    browser.get(f"{site}/cases/{case_no}")
    # the upload control: a Chinese button over the hidden native input, its state in Chinese
    assert by_id(browser, "attach-file").get_attribute("class") == "file-input"
    button = browser.find_element(By.CSS_SELECTOR, "label.file-button[for=attach-file]")
    assert button.text == "选择文件" and button.is_displayed()
    state = browser.find_element(By.CSS_SELECTOR, ".file-state")
    assert state.text == "未选择文件"
    chosen = tmp_path / "补正材料.pdf"
    chosen.write_bytes(b"%PDF-1.4\n%%EOF\n")
    by_id(browser, "attach-file").send_keys(str(chosen))
    assert state.text == "已选择文件，点击“上传”提交"
    # the session ends while the clerk types a step
    box = by_id(browser, "move-request_correction")
    box.find_element(By.TAG_NAME, "summary").click()
    by_id(browser, "request_correction-items").send_keys("请写明地块编号")
    browser.delete_all_cookies()
    submit(browser, box.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "填写的内容已保留" in browser.page_source
    by_id(browser, "code").send_keys("c1")
    by_id(browser, "password").send_keys(PW)
    submit(browser, by_id(browser, "password"))
    assert "填写的内容已保留，尚未记录" in browser.page_source
    assert by_id(browser, "request_correction-items").get_attribute("value") == "请写明地块编号"
    axe_check(browser)
