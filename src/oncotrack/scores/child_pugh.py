"""Child-Pugh (Child-Turcotte-Pugh) score and class.

Source: Pugh RN et al. Transection of the oesophagus for bleeding oesophageal varices. Br J Surg
1973;60:646-649, in the form used clinically (Cleve Clin J Med table; MDCalc): bilirubin
< 2 / 2-3 / > 3 mg/dL, albumin > 3.5 / 2.8-3.5 / < 2.8 g/dL, INR < 1.7 / 1.7-2.3 / > 2.3, ascites
and encephalopathy none / mild / severe; class A 5-6, B 7-9, C 10-15. Each boundary value belongs
to the middle band (2.0 and 3.0 mg/dL, 2.8 and 3.5 g/dL, 1.7 and 2.3 score 2 points). The albumin
bands of Harrison's (3.0-3.5 and < 3.0 g/dL) are an option. Lines in docs/clinical-rules.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Ascites = Literal["none", "mild", "moderate-severe"]
Encephalopathy = Literal["none", "grade-1-2", "grade-3-4"]
AlbuminBands = Literal["standard", "harrison"]

BILIRUBIN_UMOL_PER_MG_DL = 17.1

ALBUMIN_LOW_G_DL: dict[AlbuminBands, float] = {"standard": 2.8, "harrison": 3.0}
"""The lower edge of the 2-point albumin band: 2.8 g/dL (Pugh; Cleve Clin J Med) or 3.0 g/dL
(Harrison's Principles of Internal Medicine)."""

CLASS_BANDS = (("A", 5, 6), ("B", 7, 9), ("C", 10, 15))


class ChildPughResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    points: int | None
    """The total, or None when ascites or encephalopathy is unknown."""
    child_pugh_class: str | None
    points_range: tuple[int, int]
    """Lowest and highest total the unknown items allow."""
    class_range: tuple[str, str]
    items: dict[str, int | None]
    rule: str
    needs_clinical_input: str | None = None


def bilirubin_points(bilirubin_mg_dl: float) -> int:
    """< 2 mg/dL: 1; 2-3: 2; > 3: 3."""
    value = round(bilirubin_mg_dl, 6)  # 34.2 µmol/L / 17.1 must be exactly 2.0
    return 1 if value < 2.0 else 2 if value <= 3.0 else 3


def albumin_points(albumin_g_dl: float, bands: AlbuminBands = "standard") -> int:
    """> 3.5 g/dL: 1; 2.8-3.5 (Harrison's: 3.0-3.5): 2; below: 3."""
    value = round(albumin_g_dl, 6)
    return 1 if value > 3.5 else 2 if value >= ALBUMIN_LOW_G_DL[bands] else 3


def inr_points(inr: float) -> int:
    """< 1.7: 1; 1.7-2.3: 2; > 2.3: 3."""
    value = round(inr, 6)
    return 1 if value < 1.7 else 2 if value <= 2.3 else 3


ASCITES_POINTS: dict[str, int] = {"none": 1, "mild": 2, "moderate-severe": 3}
ENCEPHALOPATHY_POINTS: dict[str, int] = {"none": 1, "grade-1-2": 2, "grade-3-4": 3}


def child_pugh_class(points: int) -> str:
    for name, low, high in CLASS_BANDS:
        if low <= points <= high:
            return name
    raise ValueError(f"Child-Pugh points must be 5-15, got {points}")


def child_pugh(
    bilirubin_umol_l: float, albumin_g_l: float, inr: float,
    ascites: Ascites | None, encephalopathy: Encephalopathy | None,
    albumin_bands: AlbuminBands = "standard",
) -> ChildPughResult:
    """Points per item and class; an unknown bedside item gives a range, never a guess."""
    items: dict[str, int | None] = {
        "bilirubin": bilirubin_points(bilirubin_umol_l / BILIRUBIN_UMOL_PER_MG_DL),
        "albumin": albumin_points(albumin_g_l / 10, albumin_bands),
        "inr": inr_points(inr),
        "ascites": ASCITES_POINTS[ascites] if ascites else None,
        "encephalopathy": ENCEPHALOPATHY_POINTS[encephalopathy] if encephalopathy else None,
    }
    known = sum(v for v in items.values() if v is not None)
    unknown = [k for k, v in items.items() if v is None]
    low, high = known + len(unknown), known + 3 * len(unknown)
    low_class, high_class = child_pugh_class(low), child_pugh_class(high)
    detail = ", ".join(f"{k} {v if v is not None else '?'}" for k, v in items.items())
    if unknown:
        missing = " and ".join(unknown)
        return ChildPughResult(
            points=None, child_pugh_class=low_class if low_class == high_class else None,
            points_range=(low, high), class_range=(low_class, high_class), items=items,
            rule=f"{detail}: {low}-{high} points, class {low_class}-{high_class} "
            f"({missing} not recorded)",
            needs_clinical_input=f"{missing} (none, mild or severe) to complete the score",
        )
    return ChildPughResult(
        points=known, child_pugh_class=low_class, points_range=(known, known),
        class_range=(low_class, low_class), items=items,
        rule=f"{detail} = {known} points: class {low_class} (A 5-6, B 7-9, C 10-15)",
    )
