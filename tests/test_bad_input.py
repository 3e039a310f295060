"""Bad input: every malformed case file gives exit code 2 and one clear message naming the place.

Each file in ``tests/data/bad/`` is a small variation of ``tests/data/issue-example.yaml`` with
one mistake, described in a comment at its top (in a ``notes`` field for JSON; ``empty.yaml``
is empty on purpose). The CLI runs in-process (typer's ``CliRunner``) for ``validate`` and
``assess``; one test runs the installed console script end to end.

A message names the file, the place as a path with 0-based indices (``assessments[1].target.T2``),
with ``line N`` when the file could be parsed, and says what is wrong, in one line, on stderr,
never with a traceback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from oncotrack.cli import app

HERE = Path(__file__).parent
BAD = HERE / "data" / "bad"
GOOD = [
    HERE / "data" / "issue-example.yaml",
    HERE.parent / "examples" / "lms-deb-tace-anlotinib.yaml",
]

# (file in tests/data/bad, expected place or None for the whole file, expected message words)
BAD_FILES: list[tuple[str, str | None, str]] = [
    ("negative-diameter.yaml", "line 13, assessments[1].target.T1",
     "(a number >= 0) or one of too-small, absent, not-evaluated, got -30"),
    ("unknown-lesion-id.yaml", "line 13, assessments[1].target.T2", "no lesion with id 'T2'"),
    ("two-baselines.yaml", "line 13, assessments[1].baseline", "a second baseline"),
    ("follow-up-before-baseline.yaml", "line 12, assessments[1].date", "before the baseline"),
    ("duplicate-lesion-id.yaml", "line 6, lesions[2].id", "duplicate lesion id 'T1'"),
    ("measured-without-baseline.yaml", "line 14, assessments[1].target.T2",
     "has no baseline measurement"),
    ("baseline-target-unmeasured.yaml", "line 10, assessments[0].target",
     "target lesion N1 has no baseline measurement"),
    ("malformed-date.yaml", "line 12, assessments[1].date",
     "YYYY-MM-DD, YYYY-MM or YYYY, got '19/01/2022'"),
    ("impossible-date.yaml", "line 12, assessments[1].date", "day 30 does not exist in 2022-02"),
    ("wrong-type-age.yaml", "line 2, patient.age", "valid integer"),
    ("wrong-type-lesions.yaml", "line 4, lesions", "valid list"),
    ("json-wrong-type.json", "line 10, assessments[1].target.T1", "got 'thirty'"),
    ("boolean-diameter.yaml", "line 13, assessments[1].target.N1", "diameter in mm"),
    ("unknown-response-code.yaml", "line 15, assessments[1].recorded_response",
     "expected a response code (CR, PR, SD, NON-CR/NON-PD, PD, NE, iCR, iPR, iSD, "
     "NON-iCR/NON-iUPD, iUPD, iCPD), got 'partial'"),
    ("unknown-non-target-status.yaml", "line 14, assessments[1].non_target.NT1",
     "'present', 'absent', 'progression' or 'not-evaluated'"),
    ("unknown-procedure-type.yaml", "line 17, procedures[0].type",
     "unknown procedure type 'chemoembolisation'"),
    ("misspelt-field.yaml", "line 14, assessments[1].non_targt",
     "unknown field 'non_targt'; did you mean 'non_target'?"),
    ("target-under-non-target.yaml", "line 14, assessments[1].non_target.N1",
     "N1 is a target lesion; record it under target"),
    ("assessment-after-death.yaml", "line 16, assessments[2].date", "after death on 2024-10-05"),
    ("regimen-stop-before-start.yaml", "line 17, regimens[0].stop",
     "stop 2021-11-01 is before start 2021-12-06"),
    ("lab-unknown-unit.yaml", "line 9, labs[1]",
     "bilirubin on 2021-12-01: unknown unit 'mmHg' for total bilirubin"),
    ("lab-implausible-albumin.yaml", "line 8, labs[0]",
     "albumin on 2021-12-01: albumin 400 g/L is outside the plausible range 5-70 g/L"),
    # YAML-level problems: the place is a line (and, once parsed, a path).
    ("duplicate-key.yaml", "line 15, assessments[1].target", "duplicate key 'target'"),
    ("json-syntax-error.json", "line 10", "not valid JSON: Expecting ',' delimiter"),
    ("json-duplicate-key.json", None, "duplicate key 'patient'"),
    ("not-yaml.yaml", "line 4", "not valid YAML/JSON"),
    ("latin1-encoding.yaml", "line 3", "not UTF-8"),
    # Whole-file problems: the file name is the place.
    ("empty.yaml", None, "the file is empty"),
    ("comments-only.yaml", None, "the file is empty"),
    ("top-level-list.yaml", None, "expected a mapping with keys such as patient and lesions, "
     "got a list"),
    ("no-such-file.yaml", None, "file not found"),
    # User text that looks like console markup must be shown as written, not interpreted.
    ("markup-in-date.yaml", "line 12, assessments[1].date", "got '[/date]'"),
    ("markup-in-lesion-id.yaml", "line 13, assessments[1].target.[t2]", "no lesion with id '[t2]'"),
]

IDS = [name.rsplit(".", 1)[0] for name, _, _ in BAD_FILES]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=True)


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def _assert_clean_failure(result: Result) -> None:
    """Exit code 2, nothing on stdout, no traceback and no escaped exception."""
    shown = f"exit code {result.exit_code}\n--- output ---\n{result.output}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"crashed with {result.exception!r}\n{shown}")
    assert result.exit_code == 2, shown
    assert "Traceback" not in result.output, shown
    assert result.stdout == "", shown


def test_table_covers_every_bad_file() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.suffix in {".yaml", ".json"}}
    listed = {name for name, _, _ in BAD_FILES}
    assert on_disk == listed - {"no-such-file.yaml"}
    assert not (BAD / "no-such-file.yaml").exists()
    assert len(listed) >= 15


@pytest.mark.parametrize("command", ["validate", "assess"])
@pytest.mark.parametrize(("name", "place", "words"), BAD_FILES, ids=IDS)
def test_bad_file_exits_2_with_its_place(
    runner: CliRunner, command: str, name: str, place: str | None, words: str
) -> None:
    path = BAD / name
    result = _run(runner, command, str(path))
    _assert_clean_failure(result)
    lines = _error_lines(result.stderr)
    assert lines, f"no 'error:' line on stderr:\n{result.stderr}"
    # The place is followed by ': message'.
    expected = re.escape(f"{path}: {place}" if place is not None else str(path)) + "[:,]"
    matching = [line for line in lines if re.search(expected, line) and words in line]
    assert matching, (
        f"expected a line with {expected!r} and {words!r}; stderr was:\n{result.stderr}"
    )


@pytest.mark.parametrize(("name", "place", "words"), BAD_FILES, ids=IDS)
def test_one_mistake_gives_one_message(
    runner: CliRunner, name: str, place: str | None, words: str
) -> None:
    """Each bad file has a single mistake: it is reported once, without follow-on noise."""
    result = _run(runner, "validate", str(BAD / name))
    _assert_clean_failure(result)
    assert len(_error_lines(result.stderr)) == 1, result.stderr


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_good_files_validate(runner: CliRunner, path: Path) -> None:
    result = _run(runner, "validate", str(path))
    assert result.exit_code == 0, result.output
    assert f"{path}: valid case" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_good_files_assess(runner: CliRunner, path: Path) -> None:
    result = _run(runner, "assess", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_folder_instead_of_file(runner: CliRunner) -> None:
    result = _run(runner, "validate", str(BAD))
    _assert_clean_failure(result)
    assert f"{BAD}: " in result.stderr
    assert "is a folder, not a case file" in result.stderr


def test_file_name_with_brackets_is_shown_as_written(runner: CliRunner, tmp_path: Path) -> None:
    """A file called 'case [draft].yaml' must be named as such, not as 'case .yaml'."""
    path = tmp_path / "case [draft].yaml"
    shutil.copy(BAD / "negative-diameter.yaml", path)
    result = _run(runner, "validate", str(path))
    _assert_clean_failure(result)
    assert f"{path}: line 13, assessments[1].target.T1: " in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--reference-date", "2021-13-01", "--reference-date: expected YYYY-MM-DD, got '2021-13"),
        ("--reference-date", "[/x]", "--reference-date: expected YYYY-MM-DD, got '[/x]'"),
        ("--sd-window", "-1", "--sd-window: "),
        ("--confirm-days", "-5", "--confirm-days: "),
        ("--max-ne", "-1", "--max-ne: "),
    ],
    ids=["reference-date-impossible", "reference-date-markup", "sd-window", "confirm-days",
         "max-ne"],
)
def test_bad_assess_option(runner: CliRunner, option: str, value: str, words: str) -> None:
    """An option out of range is bad input too: exit code 2 and the option's real name."""
    result = _run(runner, "assess", str(GOOD[0]), option, value)
    _assert_clean_failure(result)
    assert words in result.stderr, result.stderr


@pytest.mark.parametrize(
    "command",
    [[str(Path(sys.executable).with_name("oncotrack"))], [sys.executable, "-m", "oncotrack.cli"]],
    ids=["console-script", "python-m"],
)
def test_console_script_end_to_end(command: list[str]) -> None:
    if not Path(command[0]).exists():
        pytest.skip(f"{command[0]} is not installed")
    path = BAD / "unknown-lesion-id.yaml"
    done = subprocess.run(
        [*command, "validate", str(path)], capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"error: {path}: line 13, assessments[1].target.T2: "
        "no lesion with id 'T2' in lesions (known: N1, NT1, T1)"
    )
