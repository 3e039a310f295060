"""The web pages in Debian's Chromium against a real server: sign in, create a patient, enter a
baseline and a follow-up scan, see the response computed with its reasoning, edit a value with a
reason and find it in the audit trail, the inline errors, a 409 that keeps the input, and a
viewer who sees no edit control and whose forged POST is refused. No request leaves 127.0.0.1.
Screenshots go to out/screenshots/ for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from oncotrack.cohort.synth import synthesize, write_sdtm
from tests.web.browser.conftest import (
    LOOPBACK,
    ROOT,
    SCREENSHOTS,
    Server,
    Session,
    open_session,
    sign_in,
)

LABEL = "WEB-001"
REFERENCE = ROOT / "examples" / "lms-deb-tace-anlotinib.yaml"


def assert_loopback(session: Session) -> None:
    outside = [u for u in session.requests
               if not u.startswith(("data:", "blob:", "about:"))
               and urlsplit(u).hostname not in LOOPBACK]
    assert session.requests, "the route guard saw no request"
    assert outside == []
    assert session.errors == [], f"JavaScript errors: {session.errors}"


def wait_for_timeline(page: Page) -> None:
    """The timeline figure is drawn when asked for: wait until it is there."""
    page.wait_for_function(
        "() => document.querySelector('#course figure img').naturalWidth > 300")


def add_lesion(page: Page, lesion_id: str, organ: str) -> None:
    page.get_by_role("link", name="Add lesion").click()
    page.get_by_label("Lesion id").fill(lesion_id)
    page.get_by_label("Organ").fill(organ)
    page.get_by_label("Role").select_option("target")
    page.get_by_role("button", name="Add lesion").click()
    expect(page.locator("#records-lesions")).to_contain_text(lesion_id)


def add_scan(page: Page, date: str, values: dict[str, str], baseline: bool = False) -> None:
    page.get_by_role("link", name="Add imaging assessment").click()
    page.get_by_label("Scan date").fill(date)
    if baseline:
        page.get_by_label("Baseline scan").check()
    page.get_by_label("Modality").select_option("CT")
    for lesion, value in values.items():
        page.get_by_label(lesion, exact=True).fill(value)
    page.get_by_role("button", name="Add imaging assessment").click()


@pytest.fixture(scope="module")
def editor(browser: Browser, server: Server) -> Iterator[Session]:
    session = open_session(browser)
    sign_in(session, server, "editor", shot="00-sign-in")
    yield session
    session.context.close()


@pytest.fixture(scope="module")
def patient_url(editor: Session, server: Server) -> str:
    """A patient entered through the forms: two target lesions, a baseline and a follow-up."""
    page = editor.page
    editor.shot("01-patient-list-empty", full_page=False)
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Pseudonymous identifier").fill(LABEL)
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Age at presentation (years)").fill("58")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LABEL)
    url = page.url.split("?")[0]
    add_lesion(page, "T1", "liver")
    add_lesion(page, "T2", "lung")
    add_scan(page, "2024-01-15", {"T1": "50", "T2": "30"}, baseline=True)
    add_scan(page, "2024-03-15", {"T1": "30", "T2": "20"})
    return url


def test_response_computed_with_its_reasoning(editor: Session, patient_url: str) -> None:
    page = editor.page
    page.goto(patient_url)
    row = page.locator("#timepoints tbody tr:not(.why)").filter(has_text="2024-03-15")
    # sum 50 mm against 80 mm at baseline: -37.5 %, a partial response
    expect(row).to_contain_text("50")
    expect(row).to_contain_text("-37.5 %")
    expect(row.locator("td.code")).to_have_text("PR")
    why = page.locator("#timepoints tr.why").first
    expect(why).to_contain_text("Target")
    expect(page.locator("#bor")).to_contain_text("PR")
    expect(page.locator("#endpoint-table")).to_contain_text("Progression-free survival")
    page.wait_for_selector("#chart-lesions .main-svg")
    wait_for_timeline(page)
    editor.shot("02-patient-page")
    assert_loopback(editor)


def test_edit_with_a_reason_lands_in_the_audit_trail(editor: Session, patient_url: str) -> None:
    page = editor.page
    page.goto(patient_url)
    page.get_by_role("link", name="Edit imaging assessment 2024-03-15").click()
    page.get_by_label("T1", exact=True).fill("34")
    page.get_by_role("button", name="Save changes").click()
    # no reason: refused beside the field, nothing written
    expect(page.locator("#f-reason-error")).to_contain_text("Reason for the change: required")
    page.get_by_label("Reason for the change").fill("corrected a transcription error")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r".*/patients/\d+\?saved=1.*"))
    row = page.locator("#timepoints tbody tr:not(.why)").filter(has_text="2024-03-15")
    expect(row).to_contain_text("-32.5 %")  # 54 mm against 80 mm
    audit = page.locator("#audit-table tbody tr").filter(has_text="corrected a transcription")
    expect(audit).to_have_count(1)
    expect(audit).to_contain_text("editor")
    expect(audit).to_contain_text("update")
    expect(audit).to_contain_text("target.T1")
    expect(audit.locator("del")).to_have_text("30")
    expect(audit.locator("ins")).to_have_text("34")
    page.locator("#audit").scroll_into_view_if_needed()
    editor.shot("03-audit-trail", full_page=False)
    assert_loopback(editor)


def test_errors_shown_beside_the_field(editor: Session, patient_url: str) -> None:
    page = editor.page
    page.goto(patient_url)
    page.get_by_role("link", name="Add imaging assessment").click()
    page.get_by_label("Scan date").fill("2024-13-40")
    page.get_by_label("T1", exact=True).fill("big")
    page.get_by_role("button", name="Add imaging assessment").click()
    # caught in the browser: nothing sent
    expect(page.locator("#f-date-error")).to_contain_text("YYYY-MM-DD")
    expect(page.locator("#f-target-T1-error")).to_contain_text("diameter")
    # a value only the server refuses (the model's plausibility rule), shown beside its field
    page.get_by_label("Scan date").fill("2024-05-20")
    page.get_by_label("T1", exact=True).fill("1500")
    page.get_by_label("T2", exact=True).fill("20")
    page.get_by_role("button", name="Add imaging assessment").click()
    expect(page.locator("#form-errors")).to_contain_text("Not saved")
    expect(page.locator("#f-target-T1-error")).to_contain_text("implausible")
    expect(page.get_by_label("T2", exact=True)).to_have_value("20")  # the input is kept
    editor.shot("04-inline-errors")
    assert_loopback(editor)


def test_conflict_keeps_the_input_and_saves_on_retry(browser: Browser, server: Server,
                                                     editor: Session, patient_url: str) -> None:
    other = open_session(browser)
    try:
        sign_in(other, server, "editor")
        for session in (editor, other):
            session.page.goto(patient_url)
            session.page.get_by_role("link", name="Edit imaging assessment 2024-03-15").click()
        first, second = editor.page, other.page
        first.get_by_label("T2", exact=True).fill("21")
        first.get_by_label("Reason for the change").fill("first editor")
        first.get_by_role("button", name="Save changes").click()
        first.wait_for_url(re.compile(r".*saved=1.*"))
        second.get_by_label("T2", exact=True).fill("19")
        second.get_by_label("Reason for the change").fill("second editor")
        second.get_by_role("button", name="Save changes").click()
        conflict = second.locator("#conflict")
        expect(conflict).to_contain_text("changed this imaging assessment meanwhile")
        differ = conflict.locator("tr.differ").filter(has_text="target.T2")
        expect(differ).to_contain_text("21")
        expect(differ).to_contain_text("19")
        expect(second.get_by_label("T2", exact=True)).to_have_value("19")
        other.shot("05-conflict")
        second.get_by_role("button", name="Save changes").click()  # knowingly replace
        second.wait_for_url(re.compile(r".*saved=1.*"))
        audit = second.locator("#audit-table tbody tr")
        expect(audit.filter(has_text="first editor")).to_have_count(1)
        expect(audit.filter(has_text="second editor")).to_have_count(1)
        assert_loopback(other)
    finally:
        other.context.close()


def test_viewer_sees_no_edit_control_and_cannot_post(browser: Browser, server: Server,
                                                     patient_url: str) -> None:
    viewer = open_session(browser)
    try:
        sign_in(viewer, server, "viewer")
        page = viewer.page
        page.goto(patient_url)
        expect(page.locator("#timepoints")).to_be_visible()
        wait_for_timeline(page)
        for name in ("Edit", "Delete", "Add imaging assessment", "Edit patient"):
            expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("link", name="New patient")).to_have_count(0)
        viewer.shot("06-viewer", full_page=False)
        # the server refuses too: the form page, and a forged POST with a valid CSRF token
        assert page.request.get(patient_url + "/assessments/new").status == 403
        token = page.locator("meta[name=csrf-token]").get_attribute("content")
        forged = page.request.post(patient_url + "/assessments/new", form={
            "csrf_token": token or "", "date": "2024-06-01", "target.T1": "1"})
        assert forged.status == 403
        assert_loopback(viewer)
    finally:
        viewer.context.close()


def test_reference_case_imported_and_printed(editor: Session, server: Server) -> None:
    page = editor.page
    page.goto(server.url + "/patients")
    page.get_by_role("link", name="Import a case file").click()
    page.get_by_label("Case file (.yaml, .yml or .json)").set_input_files(str(REFERENCE))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/patients/\d+\?saved=imported"))
    expect(page.locator("#timepoints tbody tr:not(.why)")).to_have_count(9)
    expect(page.locator("#endpoint-table")).to_contain_text("883")
    expect(page.locator("#warnings")).to_contain_text("organ")
    page.wait_for_selector("#chart-liver .main-svg")
    wait_for_timeline(page)
    editor.shot("07-reference-case", full_page=False)
    editor.shot("08-reference-case-full")
    page.emulate_media(media="print")
    editor.shot("10-reference-case-print-media")
    assert page.locator("#records").is_hidden()
    assert page.locator("#timepoints").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    assert pdf.startswith(b"%PDF")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "reference-case-print.pdf").write_bytes(pdf)
    page.goto(server.url + "/patients")
    page.get_by_label("Search by identifier").fill("ref")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#patient-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("LMS-REF-001")
    editor.shot("11-patient-search", full_page=False)
    assert_loopback(editor)


def test_cohort_upload_shows_endpoints_and_curves(editor: Session, server: Server,
                                                  tmp_path_factory: pytest.TempPathFactory
                                                  ) -> None:
    folder = tmp_path_factory.mktemp("cohort")
    files = {p.stem: p for p in write_sdtm(synthesize(80, seed=5), folder)}
    page = editor.page
    page.goto(server.url + "/cohorts")
    page.get_by_label("Name").fill("Synthetic, 80 patients")
    for label, table in (("TU", "tu"), ("TR", "tr"), ("RS", "rs"), ("Subjects", "adsl")):
        page.get_by_label(label, exact=False).first.set_input_files(str(files[table]))
    page.get_by_role("button", name="Upload and derive").click()
    page.wait_for_url(re.compile(r".*/cohorts/\d+$"))
    expect(page.locator("#cohort-endpoints")).to_contain_text("OS")
    page.get_by_label("Compare by").select_option("ARM")
    page.get_by_role("button", name="Show").click()
    page.wait_for_function("() => document.querySelector('#km').naturalWidth > 300")
    editor.shot("09-cohort")
    assert_loopback(editor)


def test_procedure_form_shows_the_fields_of_its_type(editor: Session, patient_url: str) -> None:
    page = editor.page
    page.goto(patient_url)
    page.get_by_role("link", name="Add procedure").click()
    expect(page.get_by_label("TACE variant")).to_be_visible()
    expect(page.get_by_label("Margin")).to_be_hidden()
    expect(page.get_by_label("Embolization performed (unticked: arteriography only)")
           ).to_be_checked()  # the model's default
    page.get_by_label("Date").fill("2024-01-20")
    page.get_by_label("Name").fill("DEB-TACE 1")
    page.get_by_label("TACE variant").select_option("deb")
    page.get_by_role("button", name="Add procedure").click()
    expect(page.locator("#records-procedures")).to_contain_text("DEB-TACE 1; deb TACE")
    expect(page.locator("#treatment")).to_contain_text("TACE sessions: 1 (1 with embolization)")
    page.get_by_role("link", name="Add procedure").click()
    page.get_by_label("Type").select_option("surgery")
    expect(page.get_by_label("Margin")).to_be_visible()
    expect(page.get_by_label("TACE variant")).to_be_hidden()
    assert_loopback(editor)
