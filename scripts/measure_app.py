"""Measure the app as a user meets it: from `streamlit run` to the first answer, then the
time per answer for five more questions, then a shared `?q=` link opened in a new page
(load, new session, answer). Prints JSON. Not a test.

    .venv/bin/python scripts/measure_app.py [--index DIR] [--driver auto|browser|apptest]

The browser driver starts `streamlit run app.py` headless on a free loopback port and
drives /usr/bin/chromium through Playwright; without Chromium it falls back to AppTest
(in-process, no server). Settings come from NAMNDSVAR_* as for the app; --index sets
NAMNDSVAR_INDEX_DIR. A missing index is built by the app on first start (and timed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the workshop (tools/) is not installed with the product

from tools.local_app import (  # noqa: E402
    CHROMIUM_ARGS,
    chromium_path,
    free_port,
    stop,
    wait_until_serving,
)

FIRST = "Vad tycker Skärholmen om lotsar för civilsamhället?"
FURTHER = (
    "Och Farsta?",
    "Vad tycker arbetsmarknadsnämnden om en praktikbank?",
    "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?",
    "Vilka nämnder har inte lämnat någon skrivelse?",
    "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?",
)
START_TIMEOUT_S = 900.0  # a first start may build the index
ANSWER_TIMEOUT_MS = 120_000

def _summary(result: dict, times: list[float]) -> dict:
    result["answer_median_s"] = round(statistics.median(times), 3)
    result["answer_mean_s"] = round(statistics.fmean(times), 3)
    result["answer_max_s"] = round(max(times), 3)
    return result


LINK_QUESTION = "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?"


def _drive(url: str, process: subprocess.Popen, chromium: str,
           started: float) -> tuple[float, float, float, float, list[float], float]:
    from playwright.sync_api import sync_playwright

    wait_until_serving(url, process, START_TIMEOUT_S)
    serving = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, \
            sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        page = context.new_page()
        page.set_default_timeout(ANSWER_TIMEOUT_MS)
        page.goto(url)
        box = page.locator("[data-testid='stChatInput'] textarea")
        box.wait_for(timeout=int(START_TIMEOUT_S * 1000))
        ready = time.perf_counter() - started

        def ask(question: str, n: int) -> float:
            t = time.perf_counter()
            box.fill(question)
            box.press("Enter")
            answer = page.locator("[data-testid='stChatMessage']").nth(2 * n + 1)
            answer.get_by_text("Svarsläge:", exact=False).wait_for()
            return time.perf_counter() - t

        first_latency = ask(FIRST, 0)
        first = time.perf_counter() - started
        times = [ask(q, i) for i, q in enumerate(FURTHER, start=1)]
        t = time.perf_counter()
        page.goto(f"{url}/?q={quote(LINK_QUESTION)}")
        page.locator("[data-testid='stChatMessage']").nth(1).get_by_text(
            "Svarsläge:", exact=False).wait_for()
        link = time.perf_counter() - t
        context.close()
    return serving, ready, first, first_latency, times, link


def measure_browser(env: dict[str, str], chromium: str) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fd, log_name = tempfile.mkstemp(prefix="streamlit-", suffix=".log")
    with os.fdopen(fd, "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            serving, ready, first, first_latency, times, link = _drive(
                url, process, chromium, started)
        finally:
            stop(process)
    result = {
        "driver": "playwright+chromium", "url": url, "server_log": log_name,
        "process_to_serving_s": round(serving, 3), "process_to_page_ready_s": round(ready, 3),
        "process_to_first_answer_s": round(first, 3),
        "first_answer_latency_s": round(first_latency, 3),
        "answers": [{"question": q, "seconds": round(t, 3)}
                    for q, t in zip(FURTHER, times, strict=True)],
        "q_link_to_answer_s": round(link, 3),
    }
    return _summary(result, times)


def measure_apptest() -> dict:
    from streamlit.testing.v1 import AppTest

    started = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=START_TIMEOUT_S).run()
    ready = time.perf_counter() - started
    if at.error:
        raise RuntimeError(at.error[0].value)

    def ask(question: str) -> float:
        t = time.perf_counter()
        at.chat_input(key="question").set_value(question).run(timeout=ANSWER_TIMEOUT_MS / 1000)
        return time.perf_counter() - t

    first_latency = ask(FIRST)
    first = time.perf_counter() - started
    times = [ask(q) for q in FURTHER]
    result = {
        "driver": "apptest (ingen Chromium; ingen server)",
        "process_to_page_ready_s": round(ready, 3),
        "process_to_first_answer_s": round(first, 3),
        "first_answer_latency_s": round(first_latency, 3),
        "answers": [{"question": q, "seconds": round(t, 3)}
                    for q, t in zip(FURTHER, times, strict=True)],
    }
    return _summary(result, times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="indexkatalog (NAMNDSVAR_INDEX_DIR)")
    parser.add_argument("--driver", choices=["auto", "browser", "apptest"], default="auto")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.index:
        env["NAMNDSVAR_INDEX_DIR"] = str(args.index.resolve())
        os.environ["NAMNDSVAR_INDEX_DIR"] = env["NAMNDSVAR_INDEX_DIR"]  # for AppTest
    chromium = chromium_path()
    if args.driver == "browser" and not chromium:
        print("Chromium saknas (/usr/bin/chromium).", file=sys.stderr)
        return 2
    if chromium and args.driver != "apptest":
        result = measure_browser(env, chromium)
    else:
        result = measure_apptest()
    result["index_dir"] = env.get("NAMNDSVAR_INDEX_DIR", str(ROOT / "index"))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
