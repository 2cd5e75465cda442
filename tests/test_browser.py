"""The app in a real browser: `streamlit run app.py` driven by Debian's Chromium.

Needs /usr/bin/chromium (`make browser-deps`); skipped without it, except under CI
(the CI variable set), where a missing browser fails the test. Every view is checked
with axe-core (axe-playwright-python): no violation of impact "serious" or "critical"
(WCAG 2.1 AA); the results are written to test-output/axe-<view>.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest

from ingest.settings import Settings
from tools.local_app import CHROMIUM_ARGS, chromium_path, free_port, stop, wait_until_serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
START_TIMEOUT_S = 90
ANSWER_TIMEOUT_MS = 60_000
XSS = "<script>window.__xss=1</script> ![x](http://example.invalid/x.png) Vad tycker Farsta?"


def chromium_or_skip() -> str:
    path = chromium_path()
    if path:
        return path
    reason = "Chromium saknas (/usr/bin/chromium): installera med `make browser-deps`."
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Checked before the real index is built: without a browser there is nothing to do."""
    return chromium_or_skip()


@pytest.fixture(scope="module")
def server(chromium: str, real_index: Settings,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free loopback port, over the real index built for this session."""
    port = free_port()
    logs = tmp_path_factory.mktemp("streamlit")
    env = {**os.environ, "NAMNDSVAR_INDEX_DIR": str(real_index.index_dir),
           "NAMNDSVAR_EMBEDDING_MODEL": real_index.embedding_model,
           "NAMNDSVAR_FEEDBACK_PATH": str(logs / "feedback.jsonl"),
           "NAMNDSVAR_AUTO_BUILD": "false"}
    with (logs / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(url, process, START_TIMEOUT_S)
            yield url
        finally:
            stop(process)
    text = (logs / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text[-3000:]


@pytest.fixture
def page(chromium: str, server: str):
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, \
            sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=chromium, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 1100})
        try:
            page = context.new_page()
            page.set_default_timeout(ANSWER_TIMEOUT_MS)
            yield page
        finally:
            context.close()


def ask(page, question: str, answers_before: int):
    box = page.locator("[data-testid='stChatInput'] textarea")
    box.fill(question)
    box.press("Enter")
    answer = page.locator("[data-testid='stChatMessage']").nth(2 * answers_before + 1)
    answer.get_by_text("Svarsläge:", exact=False).wait_for()
    return answer


def test_chat_sources_document_view_and_no_script_execution(page, server: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", "localhost") else None)
    page.goto(server)
    page.locator("[data-testid='stChatInput'] textarea").wait_for(timeout=120_000)
    assert page.get_by_text("Ställ en fråga om vad stadens nämnder").is_visible()

    answer = ask(page, "Vad tycker Skärholmen om lotsar för civilsamhället?", 0)
    answer.get_by_text("Källor", exact=True).wait_for()
    assert "Skärholmen" in answer.inner_text()
    source = answer.locator("[data-testid='stExpander']").first
    assert "[1] Skärholmen (Skärholmens stadsdelsnämnd)" in source.locator("summary").inner_text()
    source.locator("summary").click()
    source.get_by_text("Hela avsnittet").wait_for()
    switch = source.get_by_role("switch", name="Visa i dokumentet")
    for _ in range(3):  # a click while the app reruns can be lost: retry while unchecked
        if not switch.is_checked():
            source.get_by_text("Visa i dokumentet").click()
        try:
            source.get_by_text("Citerat avsnitt 1").wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            continue
    source.get_by_text("Citerat avsnitt 1").wait_for()
    assert source.get_by_text("4.1.1 Etablera lotsar för civilsamhället",
                              exact=False).first.is_visible()

    hostile = ask(page, XSS, 1)
    shown = page.locator("[data-testid='stChatMessage']").nth(2).inner_text()
    assert "<script>window.__xss=1</script>" in shown
    # Shown as typed; an invisible word joiner after "http" keeps the URL from being linked.
    assert "![x](http://example.invalid/x.png)" in shown.replace("\u2060", "")
    assert page.locator("[data-testid='stChatMessage'] a[href*='example.invalid']").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img[src*='example.invalid']").count() == 0
    assert hostile.get_by_text("Farsta").first.is_visible()
    assert "Traceback" not in page.content()
    assert not [u for u in outside if "example.invalid" in u]

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "browser-chat.png"), full_page=True)
    page.get_by_role("tab", name="Ställningstaganden").click()
    page.get_by_text("Ställningstaganden per åtgärd och förvaltning").wait_for()
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for()
    grid.scroll_into_view_if_needed()  # below the chart
    page.wait_for_timeout(1000)  # the grid draws on a canvas after it attaches
    box = grid.bounding_box()
    assert box is not None
    # Row 1, first administration column (after the pinned report and measure columns).
    page.mouse.click(box["x"] + 370, box["y"] + 35 + 17)
    page.get_by_text("Ställningstagande:").wait_for()
    assert page.get_by_text("Avgörande formulering:").is_visible()
    page.get_by_text("Ställningstagande:").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "browser-matrix.png"))
    assert not outside, outside


# -- every view, opened by its link, checked with axe -------------------------------------
BLOCKING = ("serious", "critical")
QUESTION = "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?"
# (view, address, text that shows the view is drawn)
VIEWS = (
    ("chat", "?q=" + quote(QUESTION), "Svarsläge:"),
    ("forvaltning", "?forvaltning=" + quote("Skärholmen"), "Avgörande formulering"),
    ("atgard", "?atgard=6.5.3", "Har inte yttrat sig"),
    ("matris", "?vy=stallningstaganden", "Tabell: förvaltning för förvaltning"),
    ("dokument", "?vy=dokument&forvaltning=Farsta", "Bilagan per förvaltning"),
)


def axe_check(page, view: str) -> list[dict]:
    """axe-core on the page as shown; the blocking violations (with their nodes)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / f"axe-{view}.json").write_text(json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"],
          "nodes": [n["target"] for n in v["nodes"]]} for v in violations],
        ensure_ascii=False, indent=2), encoding="utf-8")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in violations if v["impact"] in BLOCKING]


def test_every_view_opens_from_its_link_and_passes_axe(page, server: str) -> None:
    blocking: dict[str, list[dict]] = {}
    for view, address, ready in VIEWS:
        page.goto(server + "/" + address)
        page.get_by_text(ready).first.wait_for(timeout=120_000)
        if view in ("forvaltning", "matris"):
            page.locator("[data-testid='stVegaLiteChart']").first.wait_for()
        page.wait_for_timeout(1500)  # let the last elements attach before axe reads them
        if view == "chat":
            answer = page.locator("[data-testid='stChatMessage']").nth(1)
            assert "tveksam" in answer.locator("h3").first.inner_text()  # the direct answer
        if view == "forvaltning":
            assert page.get_by_text("Skärholmen: tveksam till 1", exact=False).is_visible()
        if view == "atgard":
            assert page.get_by_text("Kommissionens förslag", exact=False).first.is_visible()
            assert page.get_by_text("Ansvarig enligt kommissionen", exact=False).is_visible()
        page.screenshot(path=str(OUTPUT / f"browser-{view}.png"), full_page=True)
        if found := axe_check(page, view):
            blocking[view] = found
    assert not blocking, json.dumps(blocking, ensure_ascii=False, indent=2)


def test_keyboard_only_ask_and_open_a_source_and_the_address_follows(page, server) -> None:
    page.goto(server)
    box = page.locator("[data-testid='stChatInput'] textarea")
    box.wait_for(timeout=120_000)

    def tab_until(predicate: str, key: str = "Tab", limit: int = 120) -> None:
        for _ in range(limit):
            page.keyboard.press(key)
            if page.evaluate(predicate):
                return
        raise AssertionError(f"Tab reached no element matching {predicate}")

    tab_until("document.activeElement && document.activeElement.closest("
              "\"[data-testid='stChatInput']\") !== null")
    page.keyboard.type("Vad tycker Skärholmen om lotsar för civilsamhället?")
    page.keyboard.press("Enter")
    answer = page.locator("[data-testid='stChatMessage']").nth(1)
    answer.get_by_text("Svarsläge:", exact=False).wait_for()
    page.wait_for_function("window.location.search.startsWith('?q=')")
    query = parse_qs(urlparse(page.url).query)
    assert query == {"q": ["Vad tycker Skärholmen om lotsar för civilsamhället?"]}
    # Back from the input (the sources stand above it) to the first source; Enter opens it.
    tab_until("document.activeElement && document.activeElement.tagName === 'SUMMARY' && "
              "document.activeElement.innerText.includes('[1] Skärholmen')", key="Shift+Tab")
    page.keyboard.press("Enter")
    answer.get_by_text("Hela avsnittet").wait_for()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "browser-keyboard.png"), full_page=True)
    # The pages: the address bar follows the tab and the choice.
    page.get_by_role("tab", name="Förvaltning").click()
    page.get_by_text("Välj en förvaltning", exact=False).wait_for()
    choose = page.get_by_role("combobox", name="Förvaltning (skriv för att söka)")
    choose.click()
    choose.fill("Farsta")
    page.keyboard.press("Enter")
    page.get_by_text("Farsta: positiv till", exact=False).wait_for()
    page.wait_for_function("window.location.search.includes('forvaltning=Farsta')")
