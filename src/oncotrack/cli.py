"""The command line: one thin command per job over the Python API.

Bad input (a case file that does not validate, an option out of range) prints one line per
problem, naming the place, to stderr and exits with code 2 — never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import Progress
from rich.text import Text

from oncotrack import cli_server
from oncotrack.assessment import assess as run_assessment
from oncotrack.calculator import CalculatorError, calculate
from oncotrack.calculator import ctcae as ctcae_calc
from oncotrack.course import labs_view, schedule_view, stage_view
from oncotrack.criteria.recist11 import PrPersistence
from oncotrack.criteria.registry import parse_keys
from oncotrack.interop.casefile import load_case
from oncotrack.model.case import Case
from oncotrack.model.problems import CaseError, CohortInputError
from oncotrack.render.assess_table import render_assessment
from oncotrack.render.views import render_labs, render_schedule, render_stage
from oncotrack.scores.liver_panel import PanelOptions

if TYPE_CHECKING:
    import polars as pl

    from oncotrack.cohort.schema import Coded

app = typer.Typer(
    name="oncotrack",
    help="Record a cancer patient's course and derive tumour response and endpoints.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # reflows docstring paragraphs instead of keeping line breaks
)
# No markup: file names, ids and values from the user may contain [brackets].
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

EXIT_BAD_INPUT = 2
OPTION_NAMES = {"sd_window_days": "--sd-window", "confirm_days": "--confirm-days",
                "max_ne": "--max-ne", "reference_date": "--reference-date",
                "criterion_options": "--criterion-option"}


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


CaseArg = Annotated[Path, typer.Argument(help="A case file (YAML or JSON).", show_default=False)]


def _fail(error: CaseError) -> NoReturn:
    if isinstance(error, CohortInputError):  # names file, row and column in its own words
        err.print(Text.assemble(("error:", "red"), " ", error.describe()))
        raise typer.Exit(EXIT_BAD_INPUT)
    count = len(error.problems)
    if count > 1:
        err.print(f"{error.source or 'case'}: {count} problems", style="bold red")
    for problem in error.problems:
        err.print(Text.assemble(("error:", "red"), " ", problem.describe(error.source)))
    raise typer.Exit(EXIT_BAD_INPUT)


def _load(path: Path) -> Case:
    try:
        return load_case(path)
    except CaseError as error:
        _fail(error)


@app.command()
def validate(case: CaseArg) -> None:
    """Check a case file; print what it holds, or every problem with its place."""
    loaded = _load(case)
    print(
        f"{case}: valid case {loaded.patient.id} — {len(loaded.lesions)} lesions, "
        f"{len(loaded.assessments)} assessments, {len(loaded.procedures)} procedures, "
        f"{len(loaded.regimens)} regimens, {len(loaded.labs)} labs, {len(loaded.events)} events"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of case files (generated from the model)."""
    print(json.dumps(Case.model_json_schema(), indent=2, ensure_ascii=False))


@app.command()
def assess(
    case: CaseArg,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, json for programs.")
    ] = OutputFormat.TABLE,
    reference_date: Annotated[
        str | None,
        typer.Option(help="Time zero (YYYY-MM-DD); default: endpoints.reference_date in the "
                     "case, else the first treatment after baseline.", show_default=False),
    ] = None,
    sd_window: Annotated[
        int, typer.Option(help="Minimum days from the reference date for SD to count (>=).")
    ] = 42,
    confirm_days: Annotated[
        int, typer.Option(help="Minimum days between a CR/PR and its confirmation (>=).")
    ] = 28,
    max_ne: Annotated[
        int, typer.Option(help="NE timepoints allowed between a response and its confirmation.")
    ] = 1,
    accept_sd: Annotated[
        bool, typer.Option("--accept-sd", help="Accept one SD between a PR and its confirmation.")
    ] = False,
    pr_persistence: Annotated[
        PrPersistence,
        typer.Option(help="After a PR, a sum above -30 % but not PD: working-group = PR "
                     "continues; paper = SD (RECIST 1.1 §4.3.1 read literally)."),
    ] = PrPersistence.WORKING_GROUP,
    criteria: Annotated[
        str | None,
        typer.Option(help="Criteria to apply, comma-separated: recist1.1, irecist, mrecist, "
                     "easl, choi, who (default: every criterion the data support).",
                     show_default=False),
    ] = None,
    criterion_option: Annotated[
        list[str] | None,
        typer.Option("--criterion-option", help="A criterion's option as criterion.name=value, "
                     "repeatable: choi.modified=true, mrecist.absolute_increase_mm=5, "
                     "who.pd_scope=sum, easl.pd_inclusive=true, irecist.confirm_max_days=56.",
                     show_default=False),
    ] = None,
) -> None:
    """Assess a case: RECIST 1.1 and the other criteria, best response, endpoints.

    Timepoints with their reasoning, best response (unconfirmed and confirmed), PFS, TTP, OS,
    DoR, the criteria the data support side by side, and the liver panel before each procedure.
    """
    loaded = _load(case)
    try:
        keys = parse_keys(criteria) if criteria is not None else None
    except ValueError as error:
        err.print(f"error: --criteria: {error}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    settings: dict[str, dict[str, str]] = {}
    for item in criterion_option or []:
        name, _, value = item.partition("=")
        key, _, field = name.partition(".")
        if not value or not field:
            err.print(f"error: --criterion-option: expected criterion.name=value, got {item!r}")
            raise typer.Exit(EXIT_BAD_INPUT)
        settings.setdefault(key.strip().lower(), {})[field.strip()] = value.strip()
    try:
        reference = dt.date.fromisoformat(reference_date) if reference_date else None
    except ValueError:
        err.print(f"error: --reference-date: expected YYYY-MM-DD, got {reference_date!r}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    try:
        result = run_assessment(
            loaded, reference_date=reference, sd_window_days=sd_window,
            confirm_days=confirm_days, max_ne=max_ne, accept_sd=accept_sd,
            pr_persistence=pr_persistence, criteria=keys, criterion_options=settings,
        )
    except CaseError as error:
        _fail(CaseError(error.problems, str(case)))
    except ValidationError as error:
        for detail in error.errors():
            name = OPTION_NAMES.get(str(detail["loc"][0]), str(detail["loc"][0]))
            err.print(f"error: {name}: {detail['msg'].removeprefix('Value error, ')}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output_format is OutputFormat.JSON:
        _print_json(result)
    else:
        render_assessment(result, _console())


def _date_option(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        err.print(f"error: {name}: expected YYYY-MM-DD, got {value!r}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _console() -> Console:
    # A pipe or file gets a wide table rather than rich's 80-column default.
    width = None if sys.stdout.isatty() else 160
    return Console(highlight=False, width=width, soft_wrap=width is not None)


def _print_json(model: BaseModel) -> None:
    sys.stdout.write(model.model_dump_json(indent=2) + "\n")


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for programs.")
]


@app.command()
def labs(
    case: CaseArg,
    output_format: FormatOption = OutputFormat.TABLE,
    window: Annotated[int, typer.Option(help="Days before a procedure to look for labs.")] = 14,
) -> None:
    """Labs with CTCAE v5.0 grades, ALBI by date, liver panel before each procedure."""
    loaded = _load(case)
    if window < 0:
        err.print(f"error: --window: expected 0 or more days, got {window}")
        raise typer.Exit(EXIT_BAD_INPUT)
    result = labs_view(loaded, PanelOptions(window_days=window))
    if output_format is OutputFormat.JSON:
        _print_json(result)
    else:
        render_labs(result, _console())


@app.command()
def schedule(
    case: CaseArg,
    output_format: FormatOption = OutputFormat.TABLE,
    from_date: Annotated[str | None, typer.Option("--from", help="First day shown (YYYY-MM-DD).",
                                                  show_default=False)] = None,
    to_date: Annotated[str | None, typer.Option("--to", help="Last day shown (YYYY-MM-DD).",
                                                show_default=False)] = None,
) -> None:
    """Drug calendars: cycles, holds, interruptions, doses and dose intensity.

    With --from or --to the table lists every day, otherwise one row per cycle.
    """
    loaded = _load(case)
    start, end = _date_option(from_date, "--from"), _date_option(to_date, "--to")
    if start and end and end < start:
        err.print(f"error: --to {end} is before --from {start}")
        raise typer.Exit(EXIT_BAD_INPUT)
    result = schedule_view(loaded, start, end)
    if output_format is OutputFormat.JSON:
        _print_json(result)
    else:
        render_schedule(result, _console(), daily=start is not None or end is not None)


@app.command()
def stage(case: CaseArg, output_format: FormatOption = OutputFormat.TABLE) -> None:
    """Recompute AJCC 8th (retroperitoneum) and MSTS stages and compare with the reported ones."""
    result = stage_view(_load(case))
    if output_format is OutputFormat.JSON:
        _print_json(result)
    else:
        render_stage(result, _console())


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def calc(
    calculator: Annotated[str, typer.Argument(
        help="albi, child-pugh, meld, meld-na, meld3 or ctcae", show_default=False)],
    arguments: Annotated[list[str] | None, typer.Argument(
        help="name=value with units, e.g. bilirubin=1.2mg/dL albumin=3.5g/dL; for ctcae the "
        "term first: ctcae alt value=120U/L uln=40U/L", show_default=False)] = None,
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Score single values, as with MDCalc: ALBI, Child-Pugh, MELD, MELD-Na, MELD 3.0, CTCAE."""
    args = list(arguments or [])
    try:
        if calculator == "ctcae":
            if not args or "=" in args[0]:
                raise CalculatorError("ctcae needs a term first, e.g. ctcae alt value=120U/L "
                                      "uln=40U/L")
            result = ctcae_calc(args[0], args[1:])
        else:
            result = calculate(calculator, args)
    except CalculatorError as error:
        err.print(f"error: {error}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output_format is OutputFormat.JSON:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return
    console = _console()
    for key, value in result.items():
        if value is not None:
            console.print(f"{key}: {value}")


@app.command()
def report(
    case: CaseArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write into.",
                                         show_default=False)],
    reference_date: Annotated[str | None, typer.Option(
        help="Time zero (YYYY-MM-DD); default as for assess.", show_default=False)] = None,
    pr_persistence: Annotated[PrPersistence, typer.Option(
        help="After a PR, a sum above -30 % but not PD: PR (working-group) or SD (paper).")
    ] = PrPersistence.WORKING_GROUP,
) -> None:
    """Write the case report: OUTPUT/report.html and the figures.

    report.html is self-contained (opens offline, prints on A4 and Letter); every figure is also
    written as PNG, SVG and PDF in OUTPUT/figures.
    """
    loaded = _load(case)
    reference = _date_option(reference_date, "--reference-date")
    from oncotrack.report.data import build_report_data  # matplotlib loads only when needed
    from oncotrack.report.html import write_report

    try:
        data = build_report_data(loaded, source=str(case), reference_date=reference,
                                 pr_persistence=pr_persistence)
    except CaseError as error:
        _fail(CaseError(error.problems, str(case)))
    if output.exists() and not output.is_dir():
        err.print(f"error: -o {output}: exists and is not a folder")
        raise typer.Exit(EXIT_BAD_INPUT)
    files = write_report(data, output)
    print(f"report: {files.html}")
    print(f"figures: {len(files.figures)} files in {files.html.parent / 'figures'}")


cohort_app = typer.Typer(help="Many patients at once: CDISC tables in and out, survival.",
                         no_args_is_help=True)
app.add_typer(cohort_app, name="cohort")


@app.command()
def synth(
    patients: Annotated[int, typer.Option(help="How many synthetic patients.", min=1)],
    out: Annotated[Path, typer.Option(help="Folder for tu, tr, rs and adsl files.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same cohort).")] = 0,
    formats: Annotated[str, typer.Option(
        "--formats", help="Comma-separated: csv, parquet, xpt, json, ndjson.")] = "csv",
) -> None:
    """Write a synthetic cohort as SDTM TU, TR, RS and an ADSL-like subject table.

    Lesion counts, visit schedule with jitter, response dynamics, deaths, dropouts, NE visits and
    partial dates, all synthetic: no real patient is in it.
    """
    from oncotrack.cohort.synth import synthesize, write_sdtm

    chosen = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = sorted(set(chosen) - {"csv", "parquet", "xpt", "json", "ndjson"})
    if unknown or not chosen:
        err.print(f"error: --formats: expected csv, parquet, xpt, json or ndjson, got "
                  f"{formats!r}")
        raise typer.Exit(EXIT_BAD_INPUT)
    with Progress(transient=True, console=err) as progress:
        task = progress.add_task(f"synthesising {patients} patients", total=2)
        tables = synthesize(patients, seed=seed)
        progress.advance(task)
        written = write_sdtm(tables, out, chosen)
        progress.advance(task)
    for path in written:
        print(path)


class Reference(StrEnum):
    RANDDT = "RANDDT"
    TRTSDT = "TRTSDT"


def _cohort_inputs(tu: Path | None, tr: Path | None, subjects: Path | None,
                   cases: Path | None) -> tuple[pl.DataFrame | Coded | None, pl.DataFrame]:
    """Measurements (coded from SDTM TU/TR; none without them) and SUBJECTS from SDTM and a
    subject table, or from a case folder."""
    from oncotrack.cohort.tables import cases_to_frames, cohort_limits
    from oncotrack.interop.casefile import load_case_folder
    from oncotrack.interop.sdtm import read_coded_measurements, read_subjects

    sdtm = {"--tu": tu, "--tr": tr, "--subjects": subjects}
    if cases is not None:
        given = [name for name, value in sdtm.items() if value is not None]
        if given:
            raise _usage(f"--cases reads everything from case files; leave out {', '.join(given)}")
        loaded = load_case_folder(cases)
        for path, case in loaded:
            problems = cohort_limits(case)
            if problems:
                raise CaseError(problems, str(path))
        return cases_to_frames(case for _, case in loaded)
    if subjects is None or (tu is None) != (tr is None):
        missing = [name for name, value in sdtm.items() if value is None]
        raise _usage(f"missing {', '.join(missing)}: give SDTM TU, TR (or RS) and a subject "
                     "table, or --cases FOLDER")
    people = read_subjects(subjects)
    if tu is None or tr is None:
        return None, people
    return read_coded_measurements(tu, tr), people


def _usage(message: str) -> typer.Exit:
    err.print(Text.assemble(("error:", "red"), " ", message))
    return typer.Exit(EXIT_BAD_INPUT)


def _csv_first_line(path: Path) -> int | None:
    """The line of a CSV file's first record (errors give rows and lines)."""
    return 2 if path.suffix.lower() == ".csv" else None


@cohort_app.command("derive")
def cohort_derive(
    out: Annotated[Path, typer.Option(help="Folder for adrs, adtte and adtr (csv, parquet, "
                                      "xpt, json).")],
    tu: Annotated[Path | None, typer.Option(help="SDTM TU (csv, parquet, xpt or json).",
                                            show_default=False)] = None,
    tr: Annotated[Path | None, typer.Option(help="SDTM TR (csv, parquet, xpt or json).",
                                            show_default=False)] = None,
    rs: Annotated[Path | None, typer.Option(
        help="SDTM RS: investigator responses (OVRLRESP) used as given; with --tu/--tr, "
        "compared with the derived ones instead.", show_default=False)] = None,
    subjects: Annotated[Path | None, typer.Option(help="ADSL-like subject table.",
                                                  show_default=False)] = None,
    cases: Annotated[Path | None, typer.Option(
        help="A folder of case files (YAML/JSON), one patient each, instead of SDTM tables.",
        show_default=False)] = None,
    reference: Annotated[Reference, typer.Option(help="Time zero column.")] = Reference.RANDDT,
    sd_window: Annotated[int, typer.Option(help="Minimum days for SD (>=).", min=0)] = 42,
    confirm_days: Annotated[int, typer.Option(help="Days to confirm CR/PR (>=).", min=0)] = 28,
    max_ne: Annotated[int, typer.Option(help="NE allowed before confirmation.", min=0)] = 1,
    accept_sd: Annotated[bool, typer.Option("--accept-sd", help="Accept one SD between a PR "
                                            "and its confirmation.")] = False,
    formats: Annotated[str, typer.Option(
        "--formats", help="Comma-separated ADaM formats: csv, parquet, xpt, json.")
    ] = "csv,parquet,xpt,json",
) -> None:
    """Derive responses and endpoints for a cohort from SDTM TU/TR, RS or case files into ADaM.

    RECIST 1.1 timepoint responses, BOR, confirmed BOR, PFS, OS, TTP and DoR with the same rules as
    `assess`, vectorized; written as adrs, adtte and adtr (sums of diameters) in CSV, Parquet, XPT
    and Dataset-JSON. With `--cases`, each case's reference date is the one `assess` uses. With
    `--rs` alone the investigator's overall responses are used as given (no adtr); with
    `--tu`/`--tr` and `--rs` the responses are derived from the measurements and every subject and
    date where RS says otherwise is listed in OUT/rs_disagreements.csv.
    """
    from oncotrack.cohort.adtr import adtr
    from oncotrack.cohort.carry import carry_subject_columns
    from oncotrack.cohort.derive import RESPONSES, derive, derive_from_responses, disagreements
    from oncotrack.interop.adam import FORMATS, write_adam
    from oncotrack.interop.sdtm import USED_COLUMNS, read_domain, responses_table

    chosen = [f.strip().lower() for f in formats.split(",") if f.strip()]
    if not chosen or set(chosen) - set(FORMATS):
        err.print(f"error: --formats: expected some of {', '.join(FORMATS)}, got {formats!r}")
        raise typer.Exit(EXIT_BAD_INPUT)
    if cases is not None and rs is not None:
        raise _usage("--cases reads everything from case files; leave out --rs")
    if cases is None and tu is None and tr is None and rs is None:
        raise _usage("give SDTM --tu and --tr (measurements) and/or --rs (investigator "
                     "responses) with --subjects, or --cases FOLDER")
    options = {"reference": "RANDDT" if cases is not None else reference.value,
               "sd_window_days": sd_window, "confirm_days": confirm_days, "max_ne": max_ne,
               "accept_sd": accept_sd}
    differing = None
    try:
        with Progress(transient=True, console=err) as progress:
            task = progress.add_task("reading", total=3)
            measurements, people = _cohort_inputs(tu, tr, subjects, cases)
            given = None if rs is None else responses_table(
                read_domain(rs, "RS", columns=USED_COLUMNS["RS"]), check=False,
                source=str(rs), codes=RESPONSES, first_line=_csv_first_line(rs))
            progress.update(task, advance=1, description="deriving")
            measured = measurements is not None
            if measurements is not None:
                derived = derive(measurements, people, **options)  # type: ignore[arg-type]
                if given is not None:
                    differing = disagreements(derived.timepoints, given)
            else:
                assert given is not None
                derived = derive_from_responses(given, people, **options)  # type: ignore[arg-type]
            del measurements, given  # not needed for writing (1 M patients: 1 GB less at the peak)
            progress.update(task, advance=1, description="writing")
            sums = carry_subject_columns(adtr(derived.timepoints), people) if measured else None
            written = write_adam(carry_subject_columns(derived.adrs, people),
                                 carry_subject_columns(derived.adtte, people), out, chosen,
                                 adtr=sums,
                                 extra={} if differing is None
                                 else {"rs_disagreements.csv": differing})
            progress.advance(task)
    except CaseError as error:
        _fail(error)
    n = people.height
    print(f"{n} subjects: {derived.timepoints.height} timepoints; "
          f"adrs {derived.adrs.height} rows, adtte {derived.adtte.height} rows")
    if differing is not None:
        print(f"RS disagrees with the derived overall response at {differing.height} "
              f"subject-dates (listed in rs_disagreements.csv)")
    for path in written:
        print(path)


@cohort_app.command("survival")
def cohort_survival(
    adtte: Annotated[Path, typer.Argument(help="ADTTE file (csv, parquet, xpt or json).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for figures and "
                                         "survival.json.")],
    by: Annotated[str | None, typer.Option(help="Column to compare groups by (log-rank).",
                                           show_default=False)] = None,
    compare_literature: Annotated[bool, typer.Option(
        "--compare-literature", help="Show the published medians (Pierce 2018, Chapiro 2015) "
        "beside the cohort's.")] = False,
) -> None:
    """Kaplan-Meier per parameter, log-rank by group, KM figures with risk tables.

    Median with 95 % CI, survival at 6, 12 and 24 months, number at risk.
    """
    from oncotrack.cohort.figures import km_figure, save_figure
    from oncotrack.cohort.survival import analyse
    from oncotrack.cohort.survival import compare_literature as literature
    from oncotrack.interop.adam import read_adam

    try:
        table = read_adam(adtte)
    except (OSError, ValueError) as error:
        err.print(f"error: {adtte}: {error}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if "PARAMCD" not in table.columns:
        err.print(f"error: {adtte}: no PARAMCD column; expected an ADTTE table")
        raise typer.Exit(EXIT_BAD_INPUT)
    output.mkdir(parents=True, exist_ok=True)
    summary: dict[str, object] = {}
    for code in sorted(table.get_column("PARAMCD").unique().to_list()):
        try:
            result = analyse(table, group=by, paramcd=code)
        except ValueError as error:
            err.print(f"error: {adtte}: {code}: {error}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        print(result)
        entry: dict[str, object] = {"result": result.model_dump(mode="json")}
        if compare_literature and code in ("OS", "PFS"):
            comparison = literature(result)
            print(comparison)
            entry["literature"] = comparison.model_dump(mode="json")
        files = save_figure(km_figure(result), output / f"km_{code.lower()}")
        entry["figures"] = [str(f) for f in files]
        summary[code] = entry
    (output / "survival.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"written: {output / 'survival.json'} and KM figures in {output}")


_ADAM_SUFFIXES = (".parquet", ".csv", ".json", ".xpt")


def _adam_file(folder: Path, name: str, required: bool = True) -> Path | None:
    """``folder/name.<ext>`` in the first format found (Parquet keeps types exactly)."""
    for suffix in _ADAM_SUFFIXES:
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    if required:
        raise _usage(f"{folder}: no {name}.parquet, .csv, .json or .xpt (write it with "
                     "`oncotrack cohort derive`)")
    return None


@cohort_app.command("figures")
def cohort_figures(
    derived: Annotated[Path, typer.Argument(help="Folder written by `cohort derive` (adrs, "
                                            "adtte, adtr).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the figures.")],
    by: Annotated[str | None, typer.Option(help="ADTTE column to colour swimmer bars by.",
                                           show_default=False)] = None,
    swimmers: Annotated[int, typer.Option(
        help="Most subjects in the swimmer plot: responders first, then the longest "
        "follow-up.", min=1)] = 30,
) -> None:
    """Waterfall (best % change in the sum of diameters, by best response) and swimmer plots.

    PNG, SVG and PDF each. The waterfall reads adtr and adrs; the swimmer adtte (OS) and adrs.
    """
    from oncotrack.cohort.figures import (
        MAX_SWIMMERS,
        swimmer_selection,
        waterfall_data,
        write_cohort_figures,
    )
    from oncotrack.interop.adam import read_adam

    if swimmers > MAX_SWIMMERS:
        raise _usage(f"--swimmers: at most {MAX_SWIMMERS} subjects fit a swimmer plot")
    files = {name: _adam_file(derived, name) for name in ("adrs", "adtte", "adtr")}
    try:
        adrs, adtte, adtr = (read_adam(path) for path in files.values() if path is not None)
    except (OSError, ValueError) as error:
        raise _usage(f"{derived}: {error}") from None
    if by is not None and by not in adtte.columns:
        raise _usage(f"--by {by}: no such column in {files['adtte']} "
                     f"(columns: {', '.join(adtte.columns)})")
    best = waterfall_data(adtr.rename({"PCHG": "PCHGBL"}), adrs)
    shown = swimmer_selection(adtte, adrs, swimmers)
    written = write_cohort_figures(output, best=best, adtte=shown, adrs=adrs, group=by)
    n_os = adtte.get_column("PARAMCD").eq("OS").sum()
    print(f"waterfall: {best.height} subjects; swimmer: {shown.height} of {n_os} subjects "
          "(responders first, then the longest follow-up)")
    for path in written:
        print(path)


cli_server.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
