"""The report's figures: files, determinism, and what a reader sees (structure, no overlaps)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import oncotrack
from oncotrack.report.data import ReportData, build_report_data
from oncotrack.report.figures import (
    FIGURE_NAMES,
    FigureFiles,
    lesion_figure,
    liver_figure,
    spider_figure,
    timeline_figure,
    write_figures,
)
from tests.casebuilder import build, lesion, visit

ROOT = Path(__file__).resolve().parents[2]
CASES = {
    "reference": ROOT / "examples" / "lms-deb-tace-anlotinib.yaml",
    "synthetic": ROOT / "examples" / "synthetic-long-course.yaml",
}
DPI = 60  # small PNGs keep the tests fast; the layout does not depend on the dpi


@pytest.fixture(scope="module")
def reports() -> dict[str, ReportData]:
    return {name: build_report_data(oncotrack.load_case(path), source=str(path))
            for name, path in CASES.items()}


@pytest.fixture(scope="module")
def written(reports: dict[str, ReportData], tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, list[FigureFiles]]:
    out = tmp_path_factory.mktemp("figures")
    return {name: write_figures(data, out / name, dpi=DPI) for name, data in reports.items()}


def _texts(fig: Figure, gid: str) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_gid() == gid and t.get_visible()]


def _gids(fig: Figure) -> list[str]:
    return [str(a.get_gid()) for a in fig.findobj() if a.get_gid() is not None]


def _assert_no_overlap(fig: Figure, texts: list[Text]) -> None:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"labels {a!r} and {b!r} overlap"


# --- files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_every_figure_is_written_in_three_formats(
        case: str, written: dict[str, list[FigureFiles]]) -> None:
    files = written[case]
    assert [f.name for f in files] == list(FIGURE_NAMES)
    for f in files:
        assert f.png.read_bytes().startswith(b"\x89PNG")
        assert f.pdf.read_bytes().startswith(b"%PDF")
        assert b"<svg" in f.svg.read_bytes()[:2000]
        assert min(f.png.stat().st_size, f.pdf.stat().st_size) > 5_000
        assert f.svg.stat().st_size > 20_000
        assert f.title
        assert f.caption.endswith(".")
        assert "illustrative" in f.caption  # every value in both examples is illustrative


def test_writing_twice_gives_identical_bytes(
        reports: dict[str, ReportData], written: dict[str, list[FigureFiles]],
        tmp_path: Path) -> None:
    again = write_figures(reports["reference"], tmp_path, dpi=DPI)
    for first, second in zip(written["reference"], again, strict=True):
        for attr in ("png", "svg", "pdf"):
            a, b = getattr(first, attr), getattr(second, attr)
            assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between two writes"


def test_pyplot_keeps_no_figure(written: dict[str, list[FigureFiles]]) -> None:
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []


# --- lesions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_lesion_figure_has_a_line_per_target_and_the_sum(
        case: str, reports: dict[str, ReportData]) -> None:
    data = reports[case]
    fig = lesion_figure(data)
    assert fig is not None
    targets = [les.id for les in data.case.lesions if les.role.value == "target"]
    gids = _gids(fig)
    assert sorted(g for g in gids if g.startswith("lesion-")) == sorted(
        f"lesion-{t}" for t in targets)
    assert gids.count("sum") == 1
    assert {"pr-threshold", "pd-threshold"} <= set(gids)
    labels = [ax.get_ylabel() for ax in fig.axes[:2]]
    assert all("mm" in label for label in labels)
    assert fig.axes[-1].get_xlabel() == "Date"


@pytest.mark.parametrize("case", list(CASES))
def test_lesion_figure_writes_each_response_without_overlap(
        case: str, reports: dict[str, ReportData]) -> None:
    data = reports[case]
    fig = lesion_figure(data)
    assert fig is not None
    texts = _texts(fig, "response-label")
    assert [t.get_text() for t in texts] == [tp.overall.value for tp in
                                             data.assessment.timepoints]
    _assert_no_overlap(fig, texts)


def test_lesion_figure_tells_embolization_from_arteriography(
        reports: dict[str, ReportData]) -> None:
    fig = lesion_figure(reports["reference"])
    assert fig is not None
    gids = _gids(fig)
    assert gids.count("tace-embolized") == 6
    assert gids.count("tace-arteriography") == 2
    assert any(g.startswith("calendar-anlotinib") for g in gids)


def test_lesion_node_is_labelled_by_short_axis(reports: dict[str, ReportData]) -> None:
    fig = lesion_figure(reports["synthetic"])
    assert fig is not None
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(label.startswith("N1") and "short axis" in label for label in labels)


# --- liver ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_liver_figure_has_albi_bands_uln_and_tace(
        case: str, reports: dict[str, ReportData]) -> None:
    data = reports[case]
    fig = liver_figure(data)
    assert fig is not None
    gids = _gids(fig)
    assert {"albi-grade-1", "albi-grade-2", "albi-grade-3", "alt", "albi", "alt-uln"} <= set(gids)
    taces = data.assessment.treatment.tace_sessions
    assert gids.count("tace-embolized") + gids.count("tace-arteriography") == taces
    assert any(ax.get_ylabel() == "ALT (U/L)" for ax in fig.axes)


def test_no_labs_no_liver_figure(reports: dict[str, ReportData]) -> None:
    case = reports["reference"].case.model_copy(update={"labs": []})
    assert liver_figure(build_report_data(case)) is None


# --- timeline ------------------------------------------------------------------------------------


def test_timeline_lanes_of_the_reference_case(reports: dict[str, ReportData]) -> None:
    fig = timeline_figure(reports["reference"])
    lanes = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert lanes[:2] == ["Surgery", "Radiotherapy"]
    for expected in ("anlotinib", "TACE", "Imaging\n(RECIST)", "Progression,\ndeath", "PFS",
                     "OS"):
        assert expected in lanes
    gids = _gids(fig)
    assert {"span-pfs", "span-os", "death", "progression", "reference-date"} <= set(gids)
    numbers = [t.get_text() for t in _texts(fig, "tace-number")]
    assert numbers == ["1", "~2", "3", "4", "5", "6", "7", "~8"]  # 2022-01 and 2024-03: partial
    notes = [t.get_text() for t in _texts(fig, "lane-note")]
    assert "~laparoscopic surgery" in notes
    assert any(n.startswith("PFS 29.0 months") for n in notes)


@pytest.mark.parametrize("case", list(CASES))
def test_timeline_text_does_not_overlap(case: str, reports: dict[str, ReportData]) -> None:
    fig = timeline_figure(reports[case])
    texts = [*_texts(fig, "response-label"), *_texts(fig, "tace-number"),
             *_texts(fig, "lane-note")]
    assert len(texts) > 10
    _assert_no_overlap(fig, texts)


# --- spider --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_spider_has_reference_lines_and_a_thicker_sum(
        case: str, reports: dict[str, ReportData]) -> None:
    fig = spider_figure(reports[case])
    assert fig is not None
    lines = {str(line.get_gid()): line for line in fig.axes[0].get_lines()}
    assert list(lines["ref-plus20"].get_ydata()) == [20, 20]
    assert list(lines["ref-minus30"].get_ydata()) == [-30, -30]
    lesion_widths = [line.get_linewidth() for gid, line in lines.items()
                     if gid.startswith("spider-") and gid != "spider-sum"]
    assert len(lesion_widths) == len(reports[case].assessment.baseline.targets)
    assert lines["spider-sum"].get_linewidth() > max(lesion_widths)
    assert "%" in fig.axes[0].get_ylabel()
    assert "since the reference date" in fig.axes[0].get_xlabel()


# --- a case without measurable disease or labs ---------------------------------------------------


def test_non_target_only_case_gives_the_timeline_alone(tmp_path: Path) -> None:
    case = build([lesion("NT1", role="non-target")],
                 [visit("2022-01-10", non_target={"NT1": "present"}, baseline=True),
                  visit("2022-03-10", non_target={"NT1": "present"})])
    data = build_report_data(case)
    assert lesion_figure(data) is None
    assert spider_figure(data) is None
    assert liver_figure(data) is None
    files = write_figures(data, tmp_path / "out", dpi=DPI)
    assert [f.name for f in files] == ["timeline"]
    assert files[0].png.exists()
