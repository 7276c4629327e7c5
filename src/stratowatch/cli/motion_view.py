"""Terminal view of `track.motion.explain_motion` (used by ``stratowatch track --explain-motion``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from ..timeutil import iso
from .cmd_reach import parse_band
from .common import console

if TYPE_CHECKING:
    from ..track.motion import MotionExplanation

__all__ = ["explain_for_cli", "print_motion"]


def explain_for_cli(result: Any, wind: Any, band_text: str) -> MotionExplanation:
    """`explain_motion` on the longest track of a tracking result, band given as LOW:HIGH."""
    from ..track.motion import explain_motion  # only when asked for

    return explain_motion(result, wind, band=parse_band(band_text))


def print_motion(ex: MotionExplanation) -> None:
    """Verdict, probabilities, the two best fits and the altitude posterior."""
    console.print(f"[bold]motion:[/] {ex.explanation}", highlight=False, soft_wrap=True)
    tab = Table("fit", "schedule (km)", "log L", "chi2 / dof", "fit p")
    fits = [("one altitude", ex.passive)]
    if ex.schedule is not None:
        fits.append(("altitude changes", ex.schedule))
    for name, fit in fits:
        sched = ", ".join(
            f"{p.alt / 1e3:.1f} to {iso(p.end)[5:16].replace('T', ' ')}Z" for p in fit.pieces
        )
        tab.add_row(
            name,
            sched,
            f"{fit.log_likelihood:.1f}",
            f"{fit.chi2:.1f} / {fit.dof}",
            f"{fit.p_value:.2g}",
        )
    console.print(tab)
    alt = Table("from", "to", "altitude (km)", "90 %")
    for a in ex.altitude:
        alt.add_row(
            iso(a["start"])[5:16].replace("T", " "),
            iso(a["end"])[5:16].replace("T", " "),
            f"{a['mean_m'] / 1e3:.1f}",
            f"{a['lo90_m'] / 1e3:.1f}-{a['hi90_m'] / 1e3:.1f}",
        )
    console.print(alt)
    for w in ex.warnings:
        console.print(f"[yellow]motion warning:[/] {w}", highlight=False, soft_wrap=True)
