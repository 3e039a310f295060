"""The reference-case report in headless Chromium (Debian's, driven by Playwright).

Asserts what a reader meets: no request leaves the machine, the interactive charts and the
figures render, the tables hold the reference case's values, and the page prints on A4 and
Letter. Screenshots are written beside the report for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route

import oncotrack
from oncotrack.report.data import build_report_data
from oncotrack.report.html import write_report
from tests.chromium import chromium

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    case = oncotrack.load_case(ROOT / "examples" / "lms-deb-tace-anlotinib.yaml")
    out = tmp_path_factory.mktemp("report")
    return write_report(build_report_data(case, source="lms-deb-tace-anlotinib.yaml"), out).html


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def loaded(browser: Browser, report: Path) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def guard(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_selector("#chart-lesions .main-svg")
    page.screenshot(path=str(report.parent / "screenshot-top.png"))
    page.screenshot(path=str(report.parent / "screenshot-full.png"), full_page=True)
    assert errors == [], f"JavaScript errors: {errors}"
    yield page, outside
    context.close()


def test_no_request_leaves_the_machine(loaded: tuple[Page, list[str]]) -> None:
    _, outside = loaded
    assert outside == []


def test_interactive_charts_render(loaded: tuple[Page, list[str]]) -> None:
    page, _ = loaded
    assert page.evaluate("typeof window.Plotly") == "object"
    for chart in ("#chart-lesions", "#chart-liver"):
        assert page.locator(f"{chart} .main-svg").count() >= 1
        # plotly drew data: one path per trace at least
        assert page.locator(f"{chart} .scatterlayer .trace").count() >= 2


def test_figures_load(loaded: tuple[Page, list[str]]) -> None:
    page, _ = loaded
    widths = page.eval_on_selector_all("figure img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 4
    assert all(w > 300 for w in widths)


def test_tables_hold_the_reference_values(loaded: tuple[Page, list[str]]) -> None:
    page, _ = loaded
    rows = page.locator("#timepoints tbody tr:not(.why)")
    assert rows.count() == 9
    april = rows.filter(has_text="2022-04-10").inner_text()
    assert "94" in april
    assert "-30.4 %" in april
    assert "PR" in april
    bor = page.locator("#bor").inner_text()
    assert "PR" in bor
    assert "2022-04-10" in bor
    endpoints = page.locator("#endpoint-table").inner_text()
    assert "883" in endpoints
    assert "29.01" in endpoints
    assert "1038" in endpoints
    assert "34.10" in endpoints
    liver = page.locator("#liver-panel tbody tr")
    assert liver.filter(has_text="DEB-TACE 1").inner_text().count("-2.93") == 1
    assert "8 " in page.locator("#treatment").inner_text()
    stage = page.locator("#summary").inner_text()
    assert "mismatch" in stage
    assert "IIIA (G2/G3)" in stage


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_prints_on_a4_and_letter(loaded: tuple[Page, list[str]], paper: str, report: Path
                                 ) -> None:
    page, _ = loaded
    page.emulate_media(media="print")
    assert page.locator(".screen-only").first.is_hidden()
    pdf = page.pdf(format=paper, print_background=True)
    page.emulate_media(media="screen")
    assert pdf.startswith(b"%PDF")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 3 <= pages <= 20
    (report.parent / f"print-{paper}.pdf").write_bytes(pdf)
