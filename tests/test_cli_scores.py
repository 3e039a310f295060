"""``oncotrack labs``, ``schedule``, ``stage`` and ``calc`` on good and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncotrack.cli import app

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = str(ROOT / "examples" / "lms-deb-tace-anlotinib.yaml")
runner = CliRunner()


def _json(*args: str) -> dict:
    run = runner.invoke(app, [*args, "--format", "json"])
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)


@pytest.mark.parametrize(("args", "expected"), [
    # the worked example: 1.2 mg/dL and 3.5 g/dL -> -2.11, grade 2
    (["albi", "bilirubin=1.2mg/dL", "albumin=3.5g/dL"], {"score": -2.11, "grade": 2}),
    (["albi", "bilirubin=20.52umol/L", "albumin=35 g/L"], {"score": -2.11, "grade": 2}),
    (["albi", "bilirubin=20.52µmol/L", "albumin=35g/L"], {"score": -2.11, "grade": 2}),
    # bilirubin 2 (2.0 mg/dL) + albumin 2 (3.0 g/dL) + INR 1 + ascites 1 + encephalopathy 1 = 7
    (["child-pugh", "bilirubin=2.0mg/dL", "albumin=3.0g/dL", "inr=1.2", "ascites=none",
      "encephalopathy=none"], {"points": 7, "class": "B"}),
    (["meld", "creatinine=1.9mg/dL", "bilirubin=4.2mg/dL", "inr=1.6"], {"score": 23}),
    # 1.9 mg/dL creatinine = 167.96 µmol/L: the same MELD
    (["meld", "creatinine=167.96umol/L", "bilirubin=71.82umol/L", "inr=1.6"], {"score": 23}),
    (["meld-na", "creatinine=1.9mg/dL", "bilirubin=4.2mg/dL", "inr=1.6", "sodium=128mmol/L"],
     {"score": 28}),
    (["meld3", "creatinine=1.5mg/dL", "bilirubin=3.0mg/dL", "inr=1.8", "sodium=130mmol/L",
      "albumin=2.8g/dL", "sex=female"], {"score": 27}),
    # ALT 150 with ULN 40: 3.75 x ULN -> grade 2 (> 3.0-5.0 x ULN)
    (["ctcae", "alt", "value=150U/L", "uln=40U/L"], {"grade": 2}),
    (["ctcae", "platelets", "value=60", "lln=150"], {"grade": 2}),
])
def test_calculators(args: list[str], expected: dict) -> None:
    out = _json("calc", *args)
    assert {k: out[k] for k in expected} == expected


@pytest.mark.parametrize(("args", "message"), [
    (["albi", "bilirubin=1.2mg/dL"], "albi needs albumin="),
    (["albi", "bilirubin=1.2", "albumin=3.5g/dL"], "give the unit"),
    (["albi", "bilirubin=1.2mg/dL", "albumin=400g/L"], "outside the plausible range"),
    (["albi", "bilirubin=0mg/dL", "albumin=35g/L"], "must be above 0"),
    (["albi", "bilirubin=1.2furlongs", "albumin=35g/L"], "unknown unit"),
    (["albi", "bilirubin=high", "albumin=35g/L"], "expected a number"),
    (["albi", "bilirubin=1.2mg/dL", "albumin=35g/L", "colour=red"], "unknown argument"),
    (["child-pugh", "bilirubin=1mg/dL", "albumin=35g/L", "inr=1", "ascites=lots"],
     "expected one of"),
    (["meld3", "creatinine=1mg/dL", "bilirubin=1mg/dL", "inr=1", "sodium=135mmol/L",
      "albumin=3g/dL"], "needs sex="),
    (["ctcae", "value=3"], "needs a term first"),
    (["ctcae", "unobtainium", "value=3"], "unknown analyte"),
    (["bmi", "weight=70kg"], "unknown calculator"),
])
def test_calculator_errors_exit_2(args: list[str], message: str) -> None:
    run = runner.invoke(app, ["calc", *args])
    assert run.exit_code == 2
    assert message in run.stderr
    assert "Traceback" not in run.output


def test_labs_command() -> None:
    out = _json("labs", REFERENCE)
    tace = [p for p in out["liver_panel"] if p["type"] == "tace"]
    assert len(tace) == 8
    assert [p["albi"]["grade"] for p in tace] == [1] * 8
    assert len(out["albi"]) == 8
    table = runner.invoke(app, ["labs", REFERENCE]).stdout
    assert "Liver function before each procedure" in table
    assert "DEB-TACE 1" in table


def test_schedule_command_reference_case() -> None:
    out = _json("schedule", REFERENCE, "--from", "2021-12-06", "--to", "2022-12-31")
    anlotinib = next(r for r in out["regimens"] if r["drug"] == "anlotinib")
    days = {d["date"]: d for d in anlotinib["calendar"]["days"]}
    assert days["2021-12-06"]["status"] == "on"
    assert days["2021-12-06"]["cycle"] == 1
    assert days["2021-12-20"]["status"] == "off"          # day 15: 14 on, then 7 off
    for tace in ("2022-04-13", "2022-08-24"):
        assert days[tace]["status"] == "hold"
    notes = " ".join(anlotinib["calendar"]["notes"])
    assert "2022-01" in notes                              # TACE 2: month only, no hold
    table = runner.invoke(app, ["schedule", REFERENCE]).stdout
    assert "relative dose intensity" in table


def test_schedule_bad_dates_exit_2() -> None:
    for args in (["--from", "2022-13-01"], ["--from", "2022-05-01", "--to", "2022-04-01"]):
        run = runner.invoke(app, ["schedule", REFERENCE, *args])
        assert run.exit_code == 2
        assert "Traceback" not in run.output


def test_stage_command_flags_the_mismatch() -> None:
    out = _json("stage", REFERENCE)
    (dx,) = out["diagnoses"]
    assert dx["ajcc"]["reported"] == "IIIB"
    assert dx["ajcc"]["matches_reported"] is False
    assert {o["stage"] for o in dx["ajcc"]["options"]} == {"IB", "IIIA"}
    assert out["mismatches"]
    table = runner.invoke(app, ["stage", REFERENCE]).stdout
    assert "MISMATCH" in table
    assert "IIIA (G2/G3)" in table


def test_assess_includes_the_liver_panel() -> None:
    out = _json("assess", REFERENCE)
    assert len([p for p in out["liver_panel"] if p["type"] == "tace"]) == 8
