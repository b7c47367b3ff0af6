"""Small-number suppression for published tables, so no child can be singled out from an export.

Each row of an export is a partition of a published total (one category's contacts by age band,
say): its cells add up to it. Primary: every cell under 10 is shown as "<10". Secondary: in a
row where a suppressed cell could then be worked out from the total and the other cells, as
one exact number, more cells are suppressed ("x"), smallest first, until every suppressed cell
has at least two possible values. A row total under 10 is itself shown as "<10" (its cells are
then all under 10). Columns carry no totals: a contact can have several categories, so category
rows overlap and never add up to anything published.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 10
PRIMARY = "<10"
SECONDARY = "x"
RULE = (f"Small numbers are suppressed: any count under {THRESHOLD} is shown as '{PRIMARY}'. Where a suppressed "
        f"count could be worked out from a row's total and its other cells, further cells are suppressed and shown "
        f"as '{SECONDARY}' (smallest first), so no suppressed count can be recovered exactly; where even that "
        f"is not enough, the row's total is suppressed ('{SECONDARY}') in every table. A total under "
        f"{THRESHOLD} is shown as '{PRIMARY}'. Only row totals are published; rows overlap because a contact can "
        f"have several categories, so columns are not added up.")

Cell = int | str


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int


def _bounds(shown: Cell, total: int) -> Bounds:
    return Bounds(0, THRESHOLD - 1) if shown == PRIMARY else Bounds(THRESHOLD, total)


def feasible(cells: list[Cell], total: int) -> list[Bounds | None]:
    """What a reader can work out about each suppressed cell from the row: its range of values
    (None for a published cell). The test of the rule uses this too."""
    known = sum(c for c in cells if isinstance(c, int))
    rest = total - known
    hidden = {i: _bounds(c, total) for i, c in enumerate(cells) if not isinstance(c, int)}
    ranges: list[Bounds | None] = []
    for i, _cell in enumerate(cells):
        if i not in hidden:
            ranges.append(None)
            continue
        others_low = sum(b.low for j, b in hidden.items() if j != i)
        others_high = sum(b.high for j, b in hidden.items() if j != i)
        ranges.append(Bounds(max(hidden[i].low, rest - others_high), min(hidden[i].high, rest - others_low)))
    return ranges


def suppress_row(values: list[int], hide_total: bool = False) -> tuple[list[Cell], Cell, bool]:
    """A row's cells and total as published, and whether it could only be protected by hiding
    its total. The same total is published in several tables, so the caller hides it in all of
    them (`hide_total`) and suppresses again."""
    total = sum(values)
    if total < THRESHOLD:
        return [PRIMARY] * len(values), PRIMARY, False
    cells: list[Cell] = [PRIMARY if v < THRESHOLD else v for v in values]
    if hide_total:  # with no total, no suppressed cell is tied to anything published
        return cells, SECONDARY, False
    while True:
        if not any(r is not None and r.low == r.high for r in feasible(cells, total)):
            return cells, total, False
        open_cells = [(v, i) for i, (v, c) in enumerate(zip(values, cells, strict=False)) if isinstance(c, int)]
        if not open_cells:
            return cells, SECONDARY, True
        _value, index = min(open_cells)
        cells[index] = SECONDARY
