"""Small-number suppression (bot.review.suppression): an attacker who knows the rule tries to work
out a suppressed cell from what an export publishes, and fails.

The attacker here is written apart from the module: for each published row (a partition of its
total) it narrows every suppressed cell by what the rule says about it ("<10": 0-9; "x": 10 or
more) and by the row's total, repeating until nothing changes; a cell narrowed to one value is
recovered. Across tables it uses the fact that a category's total is the same in every table.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synthetic_contacts import load
from bot.database import engine
from bot.review import export, parse
from bot.review.suppression import PRIMARY, SECONDARY, THRESHOLD, suppress_row

Row = list[int | str]


def attack(cells: Row, total: int) -> list[tuple[int, int] | None]:
    """The range the attacker can pin each suppressed cell to (None: published)."""
    ranges: list[list[int] | None] = [None if isinstance(c, int) else ([0, THRESHOLD - 1] if c == PRIMARY else
                                                                       [THRESHOLD, total]) for c in cells]
    rest = total - sum(c for c in cells if isinstance(c, int))
    changed = True
    while changed:
        changed = False
        for i, bounds in enumerate(ranges):
            if bounds is None:
                continue
            others = [b for j, b in enumerate(ranges) if b is not None and j != i]
            low = max(bounds[0], rest - sum(b[1] for b in others))
            high = min(bounds[1], rest - sum(b[0] for b in others))
            if [low, high] != bounds:
                ranges[i], changed = [low, high], True
    return [tuple(b) if b else None for b in ranges]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 12), st.integers(0, 400)), min_size=2, max_size=12))
def test_no_suppressed_cell_of_any_row_can_be_recovered(values: list[int]) -> None:
    cells, total, needs_hidden_total = suppress_row(values)
    if needs_hidden_total:  # then the export hides the total everywhere: nothing ties the cells together
        cells, total, _ = suppress_row(values, hide_total=True)
        assert total == SECONDARY
        return
    for value, cell in zip(values, cells, strict=True):
        assert cell == value or cell in (PRIMARY, SECONDARY)
        assert cell != value or value >= THRESHOLD  # every small number is hidden
    if total == PRIMARY:
        assert all(cell == PRIMARY for cell in cells)
        return
    assert total == sum(values)
    for value, found in zip(values, attack(cells, total), strict=True):
        if found is not None:
            assert found[0] <= value <= found[1]  # the attacker's reasoning is sound...
            assert found[0] < found[1], (values, cells)  # ...and never pins a value


@pytest.mark.parametrize(("values", "published"), [
    ([50, 3, 100], [SECONDARY, PRIMARY, 100]),  # one small cell would be total - 150: a second goes
    ([0, 10], None),  # 0 and 10: whatever is hidden, the total gives both away: the total goes
    ([12, 13, 0, 0, 0], [SECONDARY, 13, PRIMARY, PRIMARY, PRIMARY]),
    ([30, 40, 50], [30, 40, 50]),
])
def test_worked_examples(values: list[int], published: list | None) -> None:
    cells, _total, needs_hidden_total = suppress_row(values)
    if published is None:
        assert needs_hidden_total
    else:
        assert (cells, needs_hidden_total) == (published, False)


@pytest.fixture(scope="module")
def generated_log(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A year of synthetic contacts (bench/synthetic_contacts.py), enough for big and small cells."""
    url = f"sqlite:///{tmp_path_factory.mktemp('suppression') / 'log.db'}"
    engine(url)  # the schema
    load(url, 3000, seed=11, first_day=date(2025, 1, 1), days=365)
    return url


def test_the_published_aggregate_gives_no_suppressed_cell_away(generated_log: str) -> None:
    made = export("tester", "aggregate", parse({"period": "year", "from": "2025-06-01"}), "csv", generated_log)
    table = list(csv.DictReader(io.StringIO(made.body.decode("utf-8-sig"))))
    published = [row for row in table if row["section"] != "about"]
    rows: dict[tuple, dict[str, str]] = defaultdict(dict)
    for row in published:
        rows[(row["section"], row["code"], row["breakdown"])][row["value"]] = row["contacts"]
    shown = {cell for row in published for cell in [row["contacts"]]}
    assert PRIMARY in shown and any(cell.isdigit() and int(cell) >= THRESHOLD for cell in shown)
    totals: dict[str, set[str]] = defaultdict(set)
    attacked = 0
    for (_section, code, _breakdown), cells in rows.items():
        totals[code].add(cells.pop("total"))
    for code, seen in totals.items():
        assert len(seen) == 1, f"{code}'s total differs between tables: {seen}"  # or one table would reveal it
    for (_section, code, _breakdown), cells in rows.items():
        total = next(iter(totals[code]))
        values: Row = [int(c) if c.isdigit() else c for c in cells.values()]
        assert all(isinstance(v, str) or v >= THRESHOLD for v in values)
        if not total.isdigit():
            continue
        for found in attack(values, int(total)):
            if found is not None:
                attacked += 1
                assert found[0] < found[1], (code, cells, total)
    assert attacked > 50  # the data had many suppressed cells to try


def test_a_randomised_row_with_secondary_suppression_keeps_its_total() -> None:
    generator = random.Random(5)
    for _ in range(200):
        values = [generator.choice([0, 1, 5, 9, 10, 11, 25, 300]) for _ in range(generator.randint(2, 8))]
        _cells, total, hidden = suppress_row(values)
        assert hidden or total in (PRIMARY, sum(values))
