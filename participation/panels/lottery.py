"""The stratified lottery that draws the members of a citizen monitoring panel.

This file is complete on its own: it uses only Python's standard library (3.8
or later) and imports nothing else from Gongron, so the site offers this very
file for download. Anyone can re-run a published draw and check that it gives
the same members:

    python lottery.py SEED TARGET applicants.csv

SEED is the published random seed, TARGET the number of seats and
applicants.csv the published applicant list. The script prints the selected
applicants, one per line, as CSV under the file's own header; with --reserve it
prints the reserve list instead.

How the draw works
------------------

1. Applicants. Each applicant is known only by a pseudonym (unique in the
   draw) and a stratum: the values of the panel's strata columns, for example
   district and age band ("강남구", "30-39"). A panel without strata puts
   everyone in one stratum. The published list has a header line naming the
   columns, "pseudonym" first, then the strata columns; it is UTF-8 text and may
   begin with a byte order mark. Strata values are compared in Unicode
   normalisation form NFC (the site publishes them so, and this program
   normalises what it reads), so a copy of the list that an editor saved with
   Hangul decomposed into jamo still gives the same draw. So that a spreadsheet
   never runs a value as a formula, the site writes a value that begins with
   = + - @ ' or a tab or carriage return with one ' in front; this program
   removes that ' again (see restore()) before it uses the value.

2. Seats per stratum (proportional, largest-remainder or Hamilton method). Each
   stratum's fair share is TARGET x (its applicants) / (all applicants). Each
   stratum first gets its share rounded down. The seats still left go one each
   to the strata whose shares have the largest fractional parts. When two
   fractional parts are equal, the stratum with more applicants goes first, and
   then the one whose values come first in Unicode code point order (Python's
   ordering of strings, comparing the first value, then the next). So a stratum gets its share rounded down or up, never
   more seats than it has applicants. If TARGET is at least the number of
   applicants, everyone is selected.

3. Order within a stratum. Each applicant gets a key: the SHA-256 hash, written
   as 64 lowercase hexadecimal digits, of the UTF-8 text "SEED:PSEUDONYM" (the
   seed, a colon, the pseudonym, exactly as written: no spaces, no Unicode
   normalisation). Within each stratum applicants are ranked by key, smallest
   first (equal keys, which do not happen in practice, fall back to pseudonym
   order). The first ones of each stratum, as many as its seats, are selected.
   The keys cannot be foreseen without the seed, so the draw is fair as long
   as the list is fixed first: the site draws the seed at random only after the
   applicant list is closed, and publishes the two together.

4. Reserve. Everyone not selected stays on the reserve list in the same order.
   When a place opens (a member leaves), it goes to the stratum furthest below
   its seats from step 2 (its seats minus its current members; on a tie, the
   stratum whose values come first in code point order), to the first applicant
   there, by key, who is neither a member nor has left. If that stratum has
   nobody left, the place goes to the first such applicant by key among all
   strata. The function fill() below applies this step; the panel page lists
   who is a member and who has left.

The result lists the selected pseudonyms ordered by stratum, then by key; the
reserve is ordered the same way.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import operator
import os
import secrets
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

PSEUDONYM_COLUMN = "pseudonym"


@dataclass(frozen=True)
class Applicant:
    """One entry of the published applicant list."""

    pseudonym: str
    stratum: tuple[str, ...]


@dataclass(frozen=True)
class DrawResult:
    """What a draw decided: seats per stratum, the selected and the reserve, each ordered by (stratum, key)."""

    seed: str
    target: int
    quotas: dict = field(hash=False)
    selected: tuple[str, ...]
    reserve: tuple[str, ...]


def new_seed() -> str:
    """A fresh random seed: 32 hexadecimal digits from the operating system's secure source."""
    return secrets.token_hex(16)


def order_key(seed: str, pseudonym: str) -> str:
    """The applicant's place in the lottery: sha256 of "seed:pseudonym" in UTF-8, as hex."""
    return hashlib.sha256(f"{seed}:{pseudonym}".encode()).hexdigest()


def allocate_quotas(counts: Mapping[tuple[str, ...], int], target: int) -> dict[tuple[str, ...], int]:
    """Seats per stratum by the largest-remainder method (step 2 of the module docstring).

    Works on integers only, so no rounding error can move a seat: a stratum's
    share is target*count/total, its floor is target*count // total and its
    fractional part is (target*count % total) / total.
    """
    if target < 0:
        raise ValueError("the number of seats cannot be negative")
    for stratum, count in counts.items():
        if count < 0:
            raise ValueError(f"stratum {stratum!r} has a negative count")
    total = sum(counts.values())
    if target >= total:
        return dict(counts)
    quotas = {stratum: target * count // total for stratum, count in counts.items()}
    left = target - sum(quotas.values())
    # Largest fractional part first, then more applicants, then stratum order.
    by_remainder = sorted(counts, key=lambda s: (-(target * counts[s] % total), -counts[s], s))
    for stratum in by_remainder[:left]:
        quotas[stratum] += 1
    return quotas


def _check_seed(seed: str) -> None:
    if not isinstance(seed, str) or not seed:
        raise ValueError("the seed must be a non-empty string")


def _ranked_by_stratum(seed: str, applicants: Iterable[Applicant]) -> dict[tuple[str, ...], list[str]]:
    """Pseudonyms per stratum in key order; strata in sort order. Refuses duplicate pseudonyms."""
    keyed: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for applicant in applicants:
        if applicant.pseudonym in seen:
            raise ValueError(f"pseudonym {applicant.pseudonym!r} appears more than once")
        seen.add(applicant.pseudonym)
        keyed.setdefault(tuple(applicant.stratum), []).append((order_key(seed, applicant.pseudonym), applicant.pseudonym))
    return {stratum: [pseudonym for _, pseudonym in sorted(keyed[stratum])] for stratum in sorted(keyed)}


def draw(seed: str, applicants: Sequence[Applicant], target: int) -> DrawResult:
    """Draw `target` members from `applicants` with `seed`; the input order does not matter."""
    _check_seed(seed)
    target = operator.index(target)
    if target < 1:
        raise ValueError("the panel needs at least one seat")
    ranked = _ranked_by_stratum(seed, applicants)
    quotas = allocate_quotas({stratum: len(members) for stratum, members in ranked.items()}, target)
    selected: list[str] = []
    reserve: list[str] = []
    for stratum, members in ranked.items():
        selected.extend(members[: quotas[stratum]])
        reserve.extend(members[quotas[stratum] :])
    return DrawResult(seed=seed, target=target, quotas=quotas, selected=tuple(selected), reserve=tuple(reserve))


def replacement(seed: str, applicants: Sequence[Applicant], stratum: tuple[str, ...], unavailable: set[str]) -> str | None:
    """Who fills a place left in `stratum` (step 4 of the module docstring), or None when nobody is left.

    `unavailable` must hold every pseudonym that cannot take the place: the
    current members (the selected ones too), those who left and those who
    declined.
    """
    _check_seed(seed)
    ranked = _ranked_by_stratum(seed, applicants)
    stratum = tuple(stratum)
    if stratum not in ranked:
        raise ValueError(f"no applicant is in stratum {stratum!r}")
    for pseudonym in ranked[stratum]:
        if pseudonym not in unavailable:
            return pseudonym
    remaining = [(order_key(seed, p), p) for members in ranked.values() for p in members if p not in unavailable]
    return min(remaining)[1] if remaining else None


def fill(seed: str, applicants: Sequence[Applicant], target: int, members: Iterable[str], unavailable: Iterable[str]) -> str | None:
    """Who takes a place that opened in a drawn panel (step 4 of the module docstring), or None.

    `applicants` is the whole list the draw ran on, `members` the pseudonyms of
    the current members and `unavailable` every pseudonym that cannot take the
    place: the current members and those who left.
    """
    _check_seed(seed)
    ranked = _ranked_by_stratum(seed, applicants)
    quotas = allocate_quotas({stratum: len(names) for stratum, names in ranked.items()}, operator.index(target))
    stratum_of = {name: stratum for stratum, names in ranked.items() for name in names}
    held: dict[tuple[str, ...], int] = {}
    for name in members:
        held[stratum_of[name]] = held.get(stratum_of[name], 0) + 1
    # max() keeps the first of equals: strata are tried in code point order.
    stratum = max(sorted(quotas), key=lambda s: quotas[s] - held.get(s, 0))
    return replacement(seed, applicants, stratum, set(unavailable))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def restore(cell: str) -> str:
    """A value as the site stored it: without the ' put in front of one beginning with = + - @ ' tab or CR."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def read_applicants_csv(file) -> list[Applicant]:
    """Applicants from a published list: a path, or a text or binary file object.

    The header names the columns; one is "pseudonym" and the others, in header
    order, make up the stratum. Empty columns at the end of a line are ignored,
    and so are blank lines. The text is UTF-8, with or without a byte order mark.
    """
    return _read_table(file)[1]


def _read_table(file) -> tuple[list[str], list[Applicant]]:
    """The column names (pseudonym column first, then the strata columns) and the applicants."""
    if isinstance(file, (str, os.PathLike)):
        with open(file, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    else:
        text = file.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        elif text.startswith("\ufeff"):
            text = text[1:]
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [restore(name.strip()) for name in next(rows, [])]
    while header and not header[-1]:
        header.pop()
    names = [name.casefold() for name in header]
    if names.count(PSEUDONYM_COLUMN) != 1:
        raise ValueError(f"the header must name one column {PSEUDONYM_COLUMN!r}")
    if "" in header:
        raise ValueError(f"column {header.index('') + 1} of the header has no name")
    if len(set(names)) != len(names):
        raise ValueError("the header names a column twice")
    where = names.index(PSEUDONYM_COLUMN)
    strata_columns = [i for i in range(len(header)) if i != where]
    applicants = []
    for row in rows:
        row = [restore(cell) for cell in row]
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header) or any(cell.strip() for cell in row[len(header) :]):
            raise ValueError(f"line {rows.line_num}: expected {len(header)} values, as in the header")
        if not row[where]:
            raise ValueError(f"line {rows.line_num}: the pseudonym is empty")
        applicants.append(Applicant(pseudonym=row[where], stratum=tuple(unicodedata.normalize("NFC", row[i]) for i in strata_columns)))
    return [header[where]] + [header[i] for i in strata_columns], applicants


def main(argv: Sequence[str]) -> int:
    """Re-run a published draw: print the selected (or, with --reserve, the reserve) as CSV."""
    parser = argparse.ArgumentParser(
        prog="lottery.py",
        description="Re-run a Gongron panel lottery from its published seed and applicant list.",
    )
    parser.add_argument("seed", help="the published seed")
    parser.add_argument("target", type=int, help="the number of seats")
    parser.add_argument("applicants", help="the published applicant list (CSV, UTF-8)")
    parser.add_argument("--reserve", action="store_true", help="print the reserve list instead of the selected")
    args = parser.parse_args(list(argv))
    try:
        header, applicants = _read_table(args.applicants)
        result = draw(args.seed, applicants, args.target)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"lottery.py: error: {error}", file=sys.stderr)
        return 2
    strata = {applicant.pseudonym: applicant.stratum for applicant in applicants}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    for pseudonym in result.reserve if args.reserve else result.selected:
        out.writerow([pseudonym, *strata[pseudonym]])
    return 0


if __name__ == "__main__":
    # Korean text must print the same on every system, whatever its locale.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    sys.exit(main(sys.argv[1:]))
