"""report.html: self-contained, complete, and never half-written; the report command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import oncotrack
from oncotrack.cli import app
from oncotrack.report import html as report_html
from oncotrack.report.data import build_report_data
from oncotrack.report.html import write_report

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "lms-deb-tace-anlotinib.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "reference"
    run = runner.invoke(app, ["report", str(REFERENCE), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert f"report: {out / 'report.html'}" in run.stdout
    return out


def test_every_figure_in_three_formats(written: Path) -> None:
    names = sorted(p.name for p in (written / "figures").iterdir())
    assert names == sorted(f"{n}.{ext}" for n in ("lesions", "liver", "timeline", "spider")
                           for ext in ("png", "svg", "pdf"))


def test_the_page_is_self_contained(written: Path) -> None:
    page = (written / "report.html").read_text(encoding="utf-8")
    # no script, style, image or font is loaded from anywhere: everything is inline. (The
    # inlined plotly.js holds attribution links as strings; the browser test shows that nothing
    # is requested, so the markup outside scripts is what is checked here.)
    markup = re.sub(r"<script>.*?</script>", "", page, flags=re.DOTALL)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", markup)
    assert "<script src" not in page
    assert "cdn.plot.ly" not in markup
    assert page.count('src="data:image/svg+xml;base64,') == 4
    assert "Plotly.newPlot" in page


def test_the_page_holds_the_reasoning(written: Path) -> None:
    page = (written / "report.html").read_text(encoding="utf-8")
    for text in ("Table 1: target PR", "PR maintained", "confirmed by PR on 2022-08-20",
                 "3 target lesions", "Imputed dates", "illustrative",
                 "sd_window_days = 42", "DEB-TACE 6", "arteriography only"):
        assert text in page, text


def test_a_failure_leaves_nothing_half_written(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    case = oncotrack.load_case(REFERENCE)
    data = build_report_data(case)

    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("template failed")

    monkeypatch.setattr(report_html, "render_html", broken)
    out = tmp_path / "report"
    with pytest.raises(RuntimeError):
        write_report(data, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_report_command_bad_input(tmp_path: Path) -> None:
    bad = ROOT / "tests" / "data" / "bad" / "negative-diameter.yaml"
    run = runner.invoke(app, ["report", str(bad), "-o", str(tmp_path / "r")])
    assert run.exit_code == 2
    assert "assessments[1].target.T1" in run.stderr
    assert not (tmp_path / "r").exists()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    run = runner.invoke(app, ["report", str(REFERENCE), "-o", str(a_file)])
    assert run.exit_code == 2


def test_standalone_page_embeds_every_figure_and_links_no_file() -> None:
    data = build_report_data(oncotrack.load_case(REFERENCE), source=REFERENCE.name)
    page = report_html.standalone_html(data)
    assert page.count('src="data:image/svg+xml;base64,') == 4
    assert 'href="figures/' not in page
    # the same tables as the written report
    assert 'id="timepoints"' in page
    assert 'id="endpoint-table"' in page
