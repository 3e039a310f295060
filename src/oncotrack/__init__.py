"""oncotrack: record a cancer patient's course and derive response and endpoints from it.

The Python API::

    import oncotrack
    case = oncotrack.load_case("examples/lms-deb-tace-anlotinib.yaml")
    result = oncotrack.assess(case, confirm_days=28)
    result.best_overall_response.confirmed.response   # Response.PR
    result.model_dump(mode="json")   # what `oncotrack assess --format json` prints
"""

from oncotrack.assessment import AssessmentResult, Options, assess
from oncotrack.interop.casefile import load_case
from oncotrack.model import Case, CaseError, Response

__version__ = "0.1.0"

__all__ = [
    "AssessmentResult",
    "Case",
    "CaseError",
    "Options",
    "Response",
    "__version__",
    "assess",
    "load_case",
]
