"""The cohort derivation gives what the per-patient engine gives, subject by subject."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from oncotrack.assessment import AssessmentResult, assess
from oncotrack.cohort.derive import Derived, derive
from oncotrack.cohort.schema import ADRS_COLUMNS, ADTTE_COLUMNS, MEASUREMENTS, SUBJECTS, TIMEPOINTS
from oncotrack.cohort.tables import cases_to_frames
from oncotrack.endpoints.survival import TimeToEvent
from oncotrack.model.case import Case
from oncotrack.model.consistency import check_case
from tests.casebuilder import build, lesion, visit

# --- comparing with the per-patient engine ------------------------------------------------------

Options = dict[str, Any]


def _tte(row: dict[str, Any] | None) -> tuple[bool, dt.date, int] | None:
    if row is None:
        return None
    return row["CNSR"] == 0, row["ADT"], row["AVAL"]


def _engine_tte(tte: TimeToEvent | None) -> tuple[bool, dt.date, int] | None:
    return None if tte is None else (tte.event, tte.date, tte.days)


def _expected(result: AssessmentResult) -> dict[str, Any]:
    best = result.best_overall_response
    return {
        "timepoints": [
            (tp.date, tp.sum_mm, tp.baseline_sum_mm, tp.change_from_baseline_pct, tp.nadir_mm,
             tp.change_from_nadir_pct, tp.target.value if tp.target else None,
             tp.non_target.value if tp.non_target else None, tp.new_lesions, tp.overall.value)
            for tp in result.timepoints
        ],
        "BOR": (best.unconfirmed.response.value, best.unconfirmed.date),
        "CBOR": (best.confirmed.response.value, best.confirmed.date),
        "PFS": _engine_tte(result.endpoints.pfs),
        "TTP": _engine_tte(result.endpoints.ttp),
        "OS": _engine_tte(result.endpoints.os),
        "DOR": _engine_tte(result.endpoints.dor),
    }


def _actual(derived: Derived, subject: str) -> dict[str, Any]:
    tps = derived.timepoints.filter(pl.col("USUBJID") == subject).sort("ADT")
    adrs = derived.adrs.filter(pl.col("USUBJID") == subject)
    adtte = {row["PARAMCD"]: row for row in
             derived.adtte.filter(pl.col("USUBJID") == subject).iter_rows(named=True)}

    def param(code: str) -> tuple[str, dt.date | None]:
        rows = adrs.filter(pl.col("PARAMCD") == code).to_dicts()
        assert len(rows) == 1
        return rows[0]["AVALC"], rows[0]["ADT"]

    return {
        "timepoints": [
            (r["ADT"], r["SUMDIAM"], r["BASE"], r["PCHGBL"], r["NADIR"], r["PCHGNAD"], r["TRGRESP"],
             r["NTRGRESP"], r["NEWLPROG"], r["OVRLRESP"])
            for r in tps.iter_rows(named=True)
        ],
        "BOR": param("BOR"),
        "CBOR": param("CBOR"),
        **{code: _tte(adtte.get(code)) for code in ("PFS", "TTP", "OS", "DOR")},
    }


def assert_matches_engine(cases: list[Case], **options: Any) -> Derived:
    derived = derive(*cases_to_frames(cases), **options)
    for case in cases:
        expected = _expected(assess(case, **options))
        actual = _actual(derived, case.patient.id)
        assert actual == expected, case.patient.id
    return derived


# --- hand-worked cohorts ------------------------------------------------------------------------

T1, T2 = lesion("T1"), lesion("T2", "lymph node", node=True)
N1 = lesion("N1", "bone", "non-target")


def _case(pid: str, lesions: list[dict[str, Any]], visits: list[dict[str, Any]],
          **rest: Any) -> Case:
    case = build(lesions, visits, endpoints={"reference_date": "2023-01-02"}, **rest)
    return case.model_copy(update={"patient": case.patient.model_copy(update={"id": pid})})


def _overall(derived: Derived, subject: str) -> list[str]:
    tps = derived.timepoints.filter(pl.col("USUBJID") == subject).sort("ADT")
    return list(tps["OVRLRESP"])


def _param(derived: Derived, subject: str, code: str) -> tuple[str, dt.date | None]:
    row = derived.adrs.filter((pl.col("USUBJID") == subject) & (pl.col("PARAMCD") == code))
    assert row.height == 1
    return row["AVALC"][0], row["ADT"][0]


@pytest.fixture(scope="module")
def table_cohort() -> tuple[list[Case], Derived]:
    """One subject per row of RECIST 1.1 Tables 1 and 2 and the special rules."""
    base = visit("2023-01-01", {"T1": 40, "T2": 20}, {"N1": "present"}, baseline=True)
    cases = [
        # Table 1: CR (targets gone, nodes < 10, non-target gone), confirmed 56 days later.
        _case("CR", [T1, T2, N1], [
            base, visit("2023-03-01", {"T1": "absent", "T2": 9}, {"N1": "absent"}),
            visit("2023-04-26", {"T1": "absent", "T2": 8}, {"N1": "absent"})]),
        # Target CR with non-target present -> PR; then not evaluated -> PR.
        _case("CR-NONCR", [T1, T2, N1], [
            base, visit("2023-03-01", {"T1": "absent", "T2": 9}, {"N1": "present"}),
            visit("2023-04-26", {"T1": "absent", "T2": 9}, {"N1": "not-evaluated"})]),
        # PR at exactly -30 %, persisting (Working Group) at -25 %, then PD at +20 % and +5 mm.
        _case("PR-PD", [T1, T2, N1], [
            base, visit("2023-03-01", {"T1": 22, "T2": 20}, {"N1": "present"}),
            visit("2023-05-01", {"T1": 25, "T2": 20}, {"N1": "present"}),
            visit("2023-07-01", {"T1": 32.8, "T2": 20}, {"N1": "present"})]),
        # SD, a missing target (NE), a missing target with PD met anyway (PD).
        _case("SD-NE-PD", [T1, T2, N1], [
            base, visit("2023-03-01", {"T1": 38, "T2": 20}, {"N1": "present"}),
            visit("2023-05-01", {"T1": 38}, {"N1": "present"}),
            visit("2023-07-01", {"T1": 80}, {"N1": "present"})]),
        # Non-target unequivocal progression -> PD; a new lesion -> PD.
        _case("NT-PD", [T1, T2, N1], [
            base, visit("2023-03-01", {"T1": 40, "T2": 20}, {"N1": "progression"})]),
        _case("NEW-PD", [T1, T2, N1], [
            base, visit("2023-03-01", {"T1": 40, "T2": 20}, {"N1": "present"},
                        new=[{"organ": "lung", "id": "X", "unequivocal": False}]),
            visit("2023-05-01", {"T1": 40, "T2": 20}, {"N1": "present"},
                  new=[{"organ": "lung", "id": "X"}])]),
        # Reappearance after an overall CR is PD.
        _case("REAPPEAR", [T1], [
            visit("2023-01-01", {"T1": 40}, baseline=True), visit("2023-03-01", {"T1": "absent"}),
            visit("2023-05-01", {"T1": "too-small"})]),
        # Table 2: non-target only: NON-CR/NON-PD, CR, NE.
        _case("NT-ONLY", [N1], [
            visit("2023-01-01", {}, {"N1": "present"}, baseline=True),
            visit("2023-03-01", {}, {"N1": "present"}),
            visit("2023-05-01", {}, {"N1": "absent"}),
            visit("2023-07-01", {}, {"N1": "not-evaluated"})]),
    ]
    return cases, assert_matches_engine(cases)


def test_table_rows(table_cohort: tuple[list[Case], Derived]) -> None:
    _, derived = table_cohort
    assert _overall(derived, "CR") == ["CR", "CR"]
    assert _overall(derived, "CR-NONCR") == ["PR", "PR"]
    assert _overall(derived, "PR-PD") == ["PR", "PR", "PD"]
    assert _overall(derived, "SD-NE-PD") == ["SD", "NE", "PD"]
    assert _overall(derived, "NT-PD") == ["PD"]
    assert _overall(derived, "NEW-PD") == ["SD", "PD"]
    assert _overall(derived, "REAPPEAR") == ["CR", "PD"]
    assert _overall(derived, "NT-ONLY") == ["NON-CR/NON-PD", "CR", "NE"]


def test_sums_and_percentages(table_cohort: tuple[list[Case], Derived]) -> None:
    _, derived = table_cohort
    rows = derived.timepoints.filter(pl.col("USUBJID") == "PR-PD").sort("ADT").to_dicts()
    assert [r["SUMDIAM"] for r in rows] == [42.0, 45.0, 52.8]
    assert [r["PCHGBL"] for r in rows] == [-30.0, -25.0, -12.0]
    assert [r["NADIR"] for r in rows] == [60.0, 42.0, 42.0]
    assert [r["PCHGNAD"] for r in rows] == [-30.0, 7.1, 25.7]
    assert [r["TRGRESP"] for r in rows] == ["PR", "PR", "PD"]
    missing = derived.timepoints.filter(pl.col("USUBJID") == "SD-NE-PD").sort("ADT")
    assert missing["SUMDIAM"].to_list() == [58.0, 38.0, 80.0]
    assert missing["PCHGBL"].to_list() == [-3.3, None, None]
    assert derived.timepoints.schema == pl.Schema(TIMEPOINTS)


def test_best_response(table_cohort: tuple[list[Case], Derived]) -> None:
    _, derived = table_cohort
    assert _param(derived, "CR", "CBOR") == ("CR", dt.date(2023, 3, 1))
    assert _param(derived, "CR", "CRSP") == ("Y", dt.date(2023, 3, 1))
    assert _param(derived, "PR-PD", "CBOR") == ("PR", dt.date(2023, 3, 1))
    assert _param(derived, "SD-NE-PD", "BOR") == ("SD", dt.date(2023, 3, 1))
    assert _param(derived, "NT-PD", "CBOR") == ("PD", dt.date(2023, 3, 1))
    assert _param(derived, "REAPPEAR", "BOR") == ("CR", dt.date(2023, 3, 1))
    assert _param(derived, "REAPPEAR", "CBOR") == ("SD", dt.date(2023, 3, 1))
    # Non-target only: the unconfirmed CR of 1 May is the stable response (the engine looks at
    # CR/PR/SD before NON-CR/NON-PD), so the date is 1 May, not the NON-CR/NON-PD of 1 March.
    assert _param(derived, "NT-ONLY", "CBOR") == ("NON-CR/NON-PD", dt.date(2023, 5, 1))
    # The equivocal lesion of 1 March, unequivocal on 1 May, dates progression to 1 March.
    assert _param(derived, "NEW-PD", "PD") == ("Y", dt.date(2023, 3, 1))
    assert tuple(derived.adrs.columns) == ADRS_COLUMNS


def test_time_to_event(table_cohort: tuple[list[Case], Derived]) -> None:
    _, derived = table_cohort
    adtte = derived.adtte
    assert tuple(adtte.columns) == ADTTE_COLUMNS
    pfs = adtte.filter((pl.col("USUBJID") == "NEW-PD") & (pl.col("PARAMCD") == "PFS")).row(
        0, named=True)
    assert (pfs["ADT"], pfs["AVAL"], pfs["CNSR"]) == (dt.date(2023, 3, 1), 59, 0)
    dor = adtte.filter((pl.col("USUBJID") == "PR-PD") & (pl.col("PARAMCD") == "DOR")).row(
        0, named=True)
    assert (dor["STARTDT"], dor["ADT"], dor["CNSR"]) == (
        dt.date(2023, 3, 1), dt.date(2023, 7, 1), 0)
    responders = adtte.filter(pl.col("PARAMCD") == "DOR")["USUBJID"].to_list()
    assert responders == ["CR", "CR-NONCR", "PR-PD"]


def test_disease_after_cr_before_the_sd_window_is_pd() -> None:
    """RECIST 1.1 Table 3 note (a): CR then PR, both before the SD minimum duration."""
    cases = [_case("CR-PR", [T1, N1], [
        visit("2023-01-01", {"T1": 40}, {"N1": "present"}, baseline=True),
        visit("2023-01-15", {"T1": "absent"}, {"N1": "absent"}),
        visit("2023-01-30", {"T1": "absent"}, {"N1": "present"})])]
    derived = assert_matches_engine(cases)
    assert _overall(derived, "CR-PR") == ["CR", "PR"]
    assert _param(derived, "CR-PR", "CBOR") == ("PD", dt.date(2023, 1, 30))
    assert _param(derived, "CR-PR", "BOR") == ("CR", dt.date(2023, 1, 15))


def test_censoring_death_and_new_therapy() -> None:
    base = visit("2023-01-01", {"T1": 40}, baseline=True)
    cases = [
        _case("DEATH", [T1], [base, visit("2023-03-01", {"T1": 38})],
              events=[{"date": "2023-04-10", "type": "death"}]),
        _case("NEWTH", [T1], [base, visit("2023-03-01", {"T1": 38}),
                              visit("2023-05-01", {"T1": 37}), visit("2023-07-01", {"T1": 90})],
              events=[{"date": "2023-05-15", "type": "new-therapy"}]),
        _case("ALIVE", [T1], [base, visit("2023-03-01", {"T1": "not-evaluated"})],
              events=[{"date": "2023-09-01", "type": "last-contact"}]),
    ]
    derived = assert_matches_engine(cases)
    rows = {(r["USUBJID"], r["PARAMCD"]): r for r in derived.adtte.iter_rows(named=True)}
    assert (rows["DEATH", "PFS"]["ADT"], rows["DEATH", "PFS"]["CNSR"]) == (
        dt.date(2023, 4, 10), 0)
    assert (rows["DEATH", "TTP"]["ADT"], rows["DEATH", "TTP"]["CNSR"]) == (
        dt.date(2023, 3, 1), 1)
    assert (rows["NEWTH", "PFS"]["ADT"], rows["NEWTH", "PFS"]["CNSR"]) == (
        dt.date(2023, 5, 1), 1)
    assert (rows["ALIVE", "PFS"]["ADT"], rows["ALIVE", "PFS"]["AVAL"]) == (
        dt.date(2023, 1, 2), 1)
    assert (rows["ALIVE", "OS"]["ADT"], rows["ALIVE", "OS"]["CNSR"]) == (
        dt.date(2023, 9, 1), 1)


@pytest.mark.parametrize("options", [
    {"confirm_days": 60}, {"max_ne": 0}, {"accept_sd": True}, {"sd_window_days": 70},
    {"confirm_days": 0},
])
def test_options(table_cohort: tuple[list[Case], Derived], options: Options) -> None:
    cases, _ = table_cohort
    assert_matches_engine(cases, **options)


def test_rows_in_any_order_give_the_same_result(
    table_cohort: tuple[list[Case], Derived]
) -> None:
    """Tables usually come by subject and date (scans numbered without a sort); shuffled rows
    go through the sort and give the same frames."""
    cases, expected = table_cohort
    measurements, subjects = cases_to_frames(cases)
    for rows in (measurements.sort("USUBJID", "ADT"),
                 measurements.sample(fraction=1.0, shuffle=True, seed=5)):
        derived = derive(rows, subjects)
        for name in ("timepoints", "adrs", "adtte"):
            assert getattr(derived, name).equals(getattr(expected, name)), name


# --- generated cohorts --------------------------------------------------------------------------

ORGANS = ["liver", "lung", "bone", "kidney", "lymph node", "peritoneum"]
STATUSES = ["present", "absent", "progression", "not-evaluated"]
diameters = st.one_of(
    st.integers(min_value=0, max_value=150).map(float),
    st.decimals(min_value=0, max_value=150, places=1).map(float),
)
FACTORS = [0.0, 0.3, 0.5, 0.69, 0.7, 0.71, 0.8, 1.0, 1.19, 1.2, 1.21, 1.5]


@st.composite
def cases(draw: st.DrawFn, pid: str) -> dict[str, Any]:
    """Case dictionaries as in tests/criteria/test_recist11_properties.py, with values near the
    thresholds, more CRs, equivocal new lesions with ids, events and reference dates."""
    n = draw(st.integers(min_value=1, max_value=4))
    lesions: list[dict[str, Any]] = []
    for i in range(n):
        organ = draw(st.sampled_from(ORGANS))
        role = draw(st.sampled_from(["target", "target", "non-target"]))
        lesions.append({"id": f"L{i}", "organ": organ, "role": role,
                        "lymph_node": organ == "lymph node"})
    targets = [les["id"] for les in lesions if les["role"] == "target"]
    non_targets = [les["id"] for les in lesions if les["role"] == "non-target"]
    day = dt.date(2023, 1, 1)
    baseline = {t: draw(st.floats(min_value=10, max_value=150).map(lambda x: round(x, 1)))
                for t in targets}
    assessments: list[dict[str, Any]] = [{
        "date": day.isoformat(), "baseline": True, "target": baseline,
        "non_target": dict.fromkeys(non_targets, "present"),
    }]
    for _ in range(draw(st.integers(min_value=1, max_value=7))):
        day += dt.timedelta(days=draw(st.sampled_from([7, 14, 27, 28, 29, 41, 42, 56, 90])))
        scaled = st.sampled_from(FACTORS)
        target: dict[str, Any] = {}
        for t in targets:
            kind = draw(st.integers(0, 9))
            if kind < 5:
                target[t] = round(baseline[t] * draw(scaled), 1)
            elif kind < 7:
                target[t] = draw(diameters)
            elif kind < 9:
                target[t] = draw(st.sampled_from(["too-small", "absent", "absent", 9.0]))
            elif draw(st.booleans()):
                target[t] = "not-evaluated"
        assessments.append({
            "date": day.isoformat(), "target": target,
            "non_target": {t: draw(st.sampled_from([*STATUSES, "present", "absent"]))
                           for t in non_targets},
            "new_lesions": draw(st.lists(
                st.fixed_dictionaries({"organ": st.sampled_from(ORGANS),
                                       "unequivocal": st.integers(0, 3).map(lambda k: k == 0),
                                       "id": st.sampled_from(["A", "B", None])}),
                max_size=1)),
        })
    events = []
    last = day
    if draw(st.booleans()):
        events.append({"date": (last + dt.timedelta(days=draw(st.integers(0, 60)))).isoformat(),
                       "type": "death"})
    if draw(st.booleans()):
        therapy = dt.date(2023, 1, 1) + dt.timedelta(days=draw(st.integers(0, 500)))
        events.append({"date": min(therapy, last).isoformat(), "type": "new-therapy"})
    if draw(st.booleans()):
        events.append({"date": (last + dt.timedelta(days=draw(st.integers(0, 90)))).isoformat(),
                       "type": "last-contact"})
    reference = draw(st.sampled_from([None, "2022-12-20", "2023-01-02", "2023-02-10"]))
    return {"patient": {"id": pid}, "lesions": lesions, "assessments": assessments,
            "events": events,
            "endpoints": {"reference_date": reference} if reference else {}}


@st.composite
def cohorts(draw: st.DrawFn) -> list[Case]:
    size = draw(st.integers(min_value=1, max_value=6))
    built = []
    for i in range(size):
        case = Case.model_validate(draw(cases(f"P{i:03d}")))
        assume(not check_case(case))
        built.append(case)
    return built


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(), st.sampled_from([{}, {}, {"accept_sd": True}, {"max_ne": 0},
                                   {"confirm_days": 56}, {"sd_window_days": 28}]))
def test_generated_cohorts_match_the_per_patient_engine(
    cohort: list[Case], options: Options
) -> None:
    assert_matches_engine(cohort, **options)


def test_a_baseline_with_a_target_not_measured_gives_no_target_response() -> None:
    """The per-patient engine refuses such a case (every target is measured at baseline, RECIST
    1.1 §3.2); SDTM can hold one. Its follow-ups have target response NE, and nothing of
    another subject (here A's nadir of 10 mm) reaches them."""
    def row(subject: str, day: str, lesion: str, diam: float | None,
            baseline: bool = False) -> dict[str, Any]:
        return {"USUBJID": subject, "ADT": dt.date.fromisoformat(day), "ADTF": None,
                "BASEFL": baseline, "LESIONID": lesion, "ROLE": "TARGET", "ORGAN": "liver",
                "NODE": False, "DIAM": diam, "STATE": None}

    measurements = pl.DataFrame([
        row("A", "2023-01-01", "T1", 10.0, baseline=True),
        row("A", "2023-03-01", "T1", 10.0),
        row("B", "2023-01-01", "T1", None, baseline=True),
        row("B", "2023-01-01", "T2", 40.0, baseline=True),
        row("B", "2023-03-01", "T1", 30.0),
        row("B", "2023-03-01", "T2", 20.0),
        row("B", "2023-05-01", "T1", 0.0),
        row("B", "2023-05-01", "T2", 0.0),
    ], schema=MEASUREMENTS)
    subjects = pl.DataFrame({"USUBJID": ["A", "B"], "RANDDT": [dt.date(2023, 1, 2)] * 2,
                             "LSTALVDT": [dt.date(2023, 9, 1)] * 2}).with_columns(
        TRTSDT=pl.lit(None, pl.Date), DTHDT=pl.lit(None, pl.Date),
        NEWTHDT=pl.lit(None, pl.Date)).select(list(SUBJECTS))
    timepoints = derive(measurements, subjects).timepoints.filter(pl.col("USUBJID") == "B")
    assert timepoints["TRGRESP"].to_list() == ["NE", "NE"]
    assert timepoints["OVRLRESP"].to_list() == ["NE", "NE"]
    assert timepoints["NADIR"].to_list() == [None, 50.0]  # the smallest complete sum before
