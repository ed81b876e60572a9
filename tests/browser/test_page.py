"""The analyst page in a real browser: Debian's Chromium driven by Playwright (never a browser
Playwright downloads). Upload a case, read the outcome and the failing rule with its margin, change
the pay, see the outcome change; a bad value names its field. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from visarules import __version__
from visarules.server import create_app

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "tests" / "cases" / "wtr-job-pay-one-cent-under-tier2-median.json"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("VISA_RULES_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def server(policy):
    import uvicorn

    config = uvicorn.Config(create_app(policy, __version__), host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(tmp_path):
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: install it (apt-get install -y chromium) or set VISA_RULES_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data-dir
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        yield tab
        context.close()
        assert not errors, errors


def test_upload_read_the_margin_change_the_pay(server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server + "/")
    page.wait_for_selector("#case-form fieldset")
    assert "visa-rules" in page.inner_text("#policy-info")

    page.set_input_files("#upload", str(CASE))
    page.wait_for_selector('#result header [data-outcome="not_eligible"]')
    deciding = page.locator("#result .deciding")
    assert "Pay meets the sector's rate" in deciding.inner_text()
    assert "short by $0.01" in deciding.inner_text()
    assert page.locator("#result .what-if .alternatives li").count() >= 1
    assert page.locator("#result details.stage[open]").count() < page.locator("#result details.stage").count()
    page.screenshot(path=str(ARTIFACTS / "page-not-eligible.png"))

    pay = page.locator('[data-field="employment.pay_per_hour"] input')
    assert pay.input_value() == "31.60"
    pay.fill("31.61")
    page.wait_for_selector('#result header [data-outcome="eligible"]')
    changes = page.inner_text("#changes")
    assert "employment.pay_per_hour went from 31.60 to 31.61" in changes
    assert "not eligible → eligible" in changes
    page.screenshot(path=str(ARTIFACTS / "page-eligible.png"))

    pay.fill("lots")
    page.wait_for_selector("#problems:not([hidden])")
    assert "employment.pay_per_hour: expected an amount of money" in page.inner_text("#problems")
    assert page.locator('.field.invalid[data-field="employment.pay_per_hour"]').count() == 1
    assert "stale" in (page.get_attribute("#result", "class") or "") and page.locator("#changes").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "page-bad-field.png"))
