"""The shared vocabulary of the case record: response codes and lesion statuses.

Response codes are spelled as in CDISC controlled terminology (RS.RSSTRESC, codelist C96785
"Overall Response"): CR, PR, SD, PD, NE and NON-CR/NON-PD. Every criterion reports in these codes
so that results can be compared side by side and exported without translation.
"""

from __future__ import annotations

from enum import StrEnum


class Response(StrEnum):
    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "NON-CR/NON-PD"
    PD = "PD"
    NE = "NE"
    # iRECIST (Seymour 2017; CDISC RS codes): responses after a first unconfirmed progression.
    ICR = "iCR"
    IPR = "iPR"
    ISD = "iSD"
    NON_ICR_NON_IUPD = "NON-iCR/NON-iUPD"
    IUPD = "iUPD"
    ICPD = "iCPD"

    @classmethod
    def parse(cls, text: str) -> Response:
        """Accept the CDISC spelling in any case, and the common 'Non-CR/Non-PD' variants."""
        key = text.strip().upper().replace(" ", "")
        aliases = {"NONCR/NONPD": cls.NON_CR_NON_PD, "NON-CR/NON-PD": cls.NON_CR_NON_PD,
                   "NON-ICR/NON-IUPD": cls.NON_ICR_NON_IUPD, "NONICR/NONIUPD": cls.NON_ICR_NON_IUPD}
        if key in aliases:
            return aliases[key]
        by_upper = {r.value.upper(): r for r in cls}
        try:
            return by_upper[key]
        except KeyError:
            allowed = ", ".join(r.value for r in cls)
            raise ValueError(f"expected a response code ({allowed}), got {text!r}") from None


class MeasurementStatus(StrEnum):
    """A target lesion that was looked at but has no usable diameter.

    RECIST 1.1 §4.3.2 notes and the EORTC FAQ "Lesions less than 5 mm": a lesion too small to
    measure is recorded as 5 mm; a lesion that has disappeared as 0 mm.
    """

    TOO_SMALL = "too-small"
    ABSENT = "absent"
    NOT_EVALUATED = "not-evaluated"


class Enhancement(StrEnum):
    """Arterial-phase enhancement of a new lesion (mRECIST: the typical HCC pattern is arterial
    hyperenhancement with portal-venous or delayed washout)."""

    TYPICAL = "typical"
    ATYPICAL = "atypical"
    NONE = "none"


class NonTargetStatus(StrEnum):
    """Qualitative follow-up of a non-target lesion (RECIST 1.1 §4.3.3)."""

    PRESENT = "present"
    ABSENT = "absent"
    PROGRESSION = "progression"
    NOT_EVALUATED = "not-evaluated"


class LesionRole(StrEnum):
    TARGET = "target"
    NON_TARGET = "non-target"


class EventType(StrEnum):
    PROGRESSION = "progression"
    DEATH = "death"
    LAST_CONTACT = "last-contact"
    NEW_THERAPY = "new-therapy"
