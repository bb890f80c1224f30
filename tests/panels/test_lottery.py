"""The panel lottery: anyone with the seed and the published list gets the same members, in the same order."""
from __future__ import annotations

import ast
import csv
import hashlib
import io
import random
import shutil
import subprocess
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from participation.panels import lottery
from participation.panels.lottery import (
    Applicant,
    DrawResult,
    allocate_quotas,
    draw,
    main,
    new_seed,
    order_key,
    read_applicants_csv,
    replacement,
)

LOTTERY_FILE = Path(lottery.__file__)

GANGNAM_30S = ("강남구", "30-39")
GANGNAM_60S = ("강남구", "60+")
SEOCHO_30S = ("서초구", "30-39")

# The pinned example: six applicants, three seats, seed "gongron-demo".
DEMO_SEED = "gongron-demo"
DEMO_APPLICANTS = [
    Applicant("느티나무-17", GANGNAM_30S),
    Applicant("은행나무-04", GANGNAM_30S),
    Applicant("소나무-22", GANGNAM_30S),
    Applicant("단풍나무-09", GANGNAM_60S),
    Applicant("버드나무-31", SEOCHO_30S),
    Applicant("잣나무-12", SEOCHO_30S),
]


def make_applicants(counts: dict[tuple[str, ...], int]) -> list[Applicant]:
    """`count` applicants in each stratum, with pseudonyms unique across strata."""
    return [
        Applicant(f"{'-'.join(stratum) or 'all'}-{n:03d}", stratum)
        for stratum, count in counts.items()
        for n in range(count)
    ]


def write_csv(path: Path, applicants: list[Applicant], header=("pseudonym", "district", "age_band"), *, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for applicant in applicants:
            writer.writerow([applicant.pseudonym, *applicant.stratum])
    return path


def strata_of(applicants: list[Applicant]) -> dict[str, tuple[str, ...]]:
    return {a.pseudonym: a.stratum for a in applicants}


# --- The pinned vector -------------------------------------------------------


def test_the_demo_draw_selects_the_same_three_every_time():
    result = draw(DEMO_SEED, DEMO_APPLICANTS, 3)

    assert result == DrawResult(
        seed=DEMO_SEED,
        target=3,
        quotas={GANGNAM_30S: 2, GANGNAM_60S: 0, SEOCHO_30S: 1},
        selected=("소나무-22", "은행나무-04", "버드나무-31"),
        reserve=("느티나무-17", "단풍나무-09", "잣나무-12"),
    )


def test_the_demo_draw_is_explained_by_its_sha256_keys():
    # Quotas: 6 applicants, 3 seats. Shares 3*3/6 = 1.5 (강남구 30-39), 3*1/6 = 0.5
    # (강남구 60+), 3*2/6 = 1.0 (서초구 30-39). Floors 1 + 0 + 1 = 2, one seat left.
    # Fractional parts .5, .5, .0: the tie goes to the stratum with more applicants,
    # 강남구 30-39 (3 against 1). Quotas 2, 0, 1.
    keys = {a.pseudonym: hashlib.sha256(f"{DEMO_SEED}:{a.pseudonym}".encode()).hexdigest() for a in DEMO_APPLICANTS}
    # The same digests as `printf 'gongron-demo:소나무-22' | sha256sum`, and so on.
    assert {p: key[:8] for p, key in keys.items()} == {
        "소나무-22": "06e5cb7d",
        "은행나무-04": "7e799140",
        "느티나무-17": "d81c91ea",
        "단풍나무-09": "3070e836",
        "버드나무-31": "2ea50b56",
        "잣나무-12": "7d8343f6",
    }
    assert all(order_key(DEMO_SEED, p) == key for p, key in keys.items())

    def by_key(stratum):
        return sorted((a.pseudonym for a in DEMO_APPLICANTS if a.stratum == stratum), key=keys.__getitem__)

    # 강남구 30-39: 06e5… < 7e79… < d81c…, two seats: 소나무-22 and 은행나무-04.
    assert by_key(GANGNAM_30S) == ["소나무-22", "은행나무-04", "느티나무-17"]
    # 강남구 60+: no seat, 단풍나무-09 waits on the reserve.
    assert by_key(GANGNAM_60S) == ["단풍나무-09"]
    # 서초구 30-39: 2ea5… < 7d83…, one seat: 버드나무-31.
    assert by_key(SEOCHO_30S) == ["버드나무-31", "잣나무-12"]

    result = draw(DEMO_SEED, DEMO_APPLICANTS, 3)
    assert result.selected == tuple(by_key(GANGNAM_30S)[:2] + by_key(SEOCHO_30S)[:1])


# --- Reproducibility ----------------------------------------------------------


def test_the_order_of_the_list_does_not_matter():
    applicants = make_applicants({GANGNAM_30S: 17, GANGNAM_60S: 9, SEOCHO_30S: 11, ("서초구", "60+"): 4})
    expected = draw("seed-1", applicants, 12)
    shuffler = random.Random(20240601)
    for _ in range(10):
        shuffled = applicants[:]
        shuffler.shuffle(shuffled)
        assert draw("seed-1", shuffled, 12) == expected


def test_different_seeds_give_different_selections():
    applicants = make_applicants({GANGNAM_30S: 30, SEOCHO_30S: 30})
    selections = {draw(seed, applicants, 10).selected for seed in ("a", "b", "c", "d", "e")}
    assert len(selections) == 5


def test_the_key_is_the_sha256_of_seed_colon_pseudonym():
    assert order_key("s", "p") == hashlib.sha256(b"s:p").hexdigest()
    assert order_key("씨앗", "주민") == hashlib.sha256("씨앗:주민".encode()).hexdigest()


def test_new_seeds_are_32_hex_digits_and_differ():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(len(seed) == 32 and int(seed, 16) >= 0 for seed in seeds)


# --- Quotas -------------------------------------------------------------------


def test_largest_remainder_tie_goes_to_the_larger_stratum():
    # 10 applicants, 5 seats. Shares: A 5*7/10 = 3.5, B 5*2/10 = 1.0, C 5*1/10 = 0.5.
    # Floors 3 + 1 + 0 = 4, one seat left. Fractional parts A .5, B .0, C .5:
    # A and C tie, A has more applicants (7 against 1), so A gets it: 4, 1, 0.
    assert allocate_quotas({("A",): 7, ("B",): 2, ("C",): 1}, 5) == {("A",): 4, ("B",): 1, ("C",): 0}


def test_largest_remainder_can_favour_a_small_stratum():
    # 10 applicants, 4 seats. Shares: A 4*5/10 = 2.0, B 4*3/10 = 1.2, C 4*2/10 = 0.8.
    # Floors 2 + 1 + 0 = 3, one seat left; the largest fractional part is C's .8: 2, 1, 1.
    assert allocate_quotas({("A",): 5, ("B",): 3, ("C",): 2}, 4) == {("A",): 2, ("B",): 1, ("C",): 1}


def test_a_full_tie_goes_by_code_point_order_of_the_stratum():
    # One seat, two strata of one: shares .5 and .5, equal counts; "강" (U+AC15) comes before "서" (U+C11C).
    assert allocate_quotas({("서초구",): 1, ("강남구",): 1}, 1) == {("서초구",): 0, ("강남구",): 1}
    # Tuples compare value by value: the first values are equal, "30-39" < "60+".
    assert allocate_quotas({GANGNAM_60S: 1, GANGNAM_30S: 1}, 1) == {GANGNAM_60S: 0, GANGNAM_30S: 1}
    # The first value decides before the second: 강남구 60+ before 서초구 30-39.
    assert allocate_quotas({SEOCHO_30S: 1, GANGNAM_60S: 1}, 1) == {SEOCHO_30S: 0, GANGNAM_60S: 1}


def test_two_seats_left_go_to_the_two_largest_remainders():
    # 7 applicants, 3 seats. Shares: A 3*3/7 = 1.286, B 3*2/7 = 0.857, C 3*1/7 = 0.429, D 3*1/7 = 0.429.
    # Floors 1 + 0 + 0 + 0 = 1, two seats left: B (.857), then C and D tie at .429 with one
    # applicant each, so C by order; A's .286 gets nothing. Result 1, 1, 1, 0.
    quotas = allocate_quotas({("A",): 3, ("B",): 2, ("D",): 1, ("C",): 1}, 3)
    assert quotas == {("A",): 1, ("B",): 1, ("C",): 1, ("D",): 0}


def test_quotas_are_the_share_rounded_down_or_up_and_add_up_to_the_target():
    rng = random.Random(7)
    for _ in range(500):
        counts = {(f"s{i}",): rng.randint(0, 12) for i in range(rng.randint(1, 8))}
        total = sum(counts.values())
        target = rng.randint(0, total + 3)
        quotas = allocate_quotas(counts, target)
        assert quotas.keys() == counts.keys()
        assert sum(quotas.values()) == min(target, total)
        for stratum, count in counts.items():
            assert 0 <= quotas[stratum] <= count
            if target < total:
                share = Fraction(target * count, total)
                assert share - 1 < quotas[stratum] < share + 1


def test_a_quota_never_exceeds_the_stratum():
    # 11 applicants, 10 seats: A's share is 10*10/11 = 9.09, B's 10*1/11 = 0.91.
    # Floors 9 + 0, one seat left to B (.91): B's only applicant, never two.
    assert allocate_quotas({("A",): 10, ("B",): 1}, 10) == {("A",): 9, ("B",): 1}


def test_a_target_at_or_above_the_number_of_applicants_takes_everyone():
    applicants = make_applicants({GANGNAM_30S: 3, SEOCHO_30S: 2})
    for target in (5, 6, 100):
        result = draw("x", applicants, target)
        assert Counter(result.selected) == Counter(a.pseudonym for a in applicants)
        assert result.reserve == ()
        assert result.quotas == {GANGNAM_30S: 3, SEOCHO_30S: 2}


def test_the_draw_meets_every_quota_exactly():
    counts = {GANGNAM_30S: 23, GANGNAM_60S: 7, SEOCHO_30S: 15, ("서초구", "60+"): 2, ("송파구", "18-29"): 1}
    applicants = make_applicants(counts)
    strata = strata_of(applicants)
    for target in (1, 5, 13, 30, 47):
        result = draw(f"seed-{target}", applicants, target)
        assert result.quotas == allocate_quotas(counts, target)
        assert sum(result.quotas.values()) == target == len(result.selected)
        assert Counter(strata[p] for p in result.selected) == +Counter(result.quotas)
        assert set(result.selected) | set(result.reserve) == set(strata)
        assert not set(result.selected) & set(result.reserve)


def test_selected_and_reserve_are_ordered_by_stratum_then_key():
    applicants = make_applicants({SEOCHO_30S: 6, GANGNAM_60S: 5, GANGNAM_30S: 8})
    strata = strata_of(applicants)
    result = draw("order", applicants, 9)
    for listed in (result.selected, result.reserve):
        assert list(listed) == sorted(listed, key=lambda p: (strata[p], order_key("order", p)))
    # Within a stratum the selected are exactly the smallest keys.
    for stratum in (SEOCHO_30S, GANGNAM_60S, GANGNAM_30S):
        ranked = sorted((p for p in strata if strata[p] == stratum), key=lambda p: order_key("order", p))
        assert [p for p in result.selected if strata[p] == stratum] == ranked[: result.quotas[stratum]]


def test_a_panel_without_strata_takes_the_smallest_keys():
    applicants = [Applicant(f"주민-{n}", ()) for n in range(10)]
    result = draw("no-strata", applicants, 4)
    assert result.quotas == {(): 4}
    assert list(result.selected) == sorted((a.pseudonym for a in applicants), key=lambda p: order_key("no-strata", p))[:4]


@pytest.mark.parametrize(
    ("seed", "applicants", "target", "message"),
    [
        ("s", [Applicant("a", ()), Applicant("a", ("x",))], 1, "more than once"),
        ("s", [Applicant("a", ())], 0, "at least one seat"),
        ("", [Applicant("a", ())], 1, "non-empty"),
    ],
)
def test_a_draw_refuses_bad_input(seed, applicants, target, message):
    with pytest.raises(ValueError, match=message):
        draw(seed, applicants, target)


def test_a_negative_count_or_target_is_refused():
    with pytest.raises(ValueError):
        allocate_quotas({("A",): 1}, -1)
    with pytest.raises(ValueError):
        allocate_quotas({("A",): -1}, 1)


# --- Filling places -----------------------------------------------------------


def test_a_place_goes_to_the_next_in_the_same_stratum():
    result = draw(DEMO_SEED, DEMO_APPLICANTS, 3)
    members = set(result.selected)
    # 은행나무-04 leaves: the next of 강남구 30-39 by key is 느티나무-17 (d81c…).
    assert replacement(DEMO_SEED, DEMO_APPLICANTS, GANGNAM_30S, members | {"은행나무-04"}) == "느티나무-17"
    # 버드나무-31 leaves: 잣나무-12 (7d83…) is next in 서초구 30-39.
    assert replacement(DEMO_SEED, DEMO_APPLICANTS, SEOCHO_30S, members | {"버드나무-31"}) == "잣나무-12"


def test_when_the_stratum_is_exhausted_the_place_goes_to_the_smallest_key_overall():
    result = draw(DEMO_SEED, DEMO_APPLICANTS, 3)
    # 버드나무-31 leaves and 잣나무-12 declines: 서초구 30-39 has nobody left. Of the
    # rest, 단풍나무-09 (3070…) comes before 느티나무-17 (d81c…).
    unavailable = set(result.selected) | {"잣나무-12"}
    assert replacement(DEMO_SEED, DEMO_APPLICANTS, SEOCHO_30S, unavailable) == "단풍나무-09"
    # 단풍나무-09 declines too: then 느티나무-17, though from another stratum.
    assert replacement(DEMO_SEED, DEMO_APPLICANTS, SEOCHO_30S, unavailable | {"단풍나무-09"}) == "느티나무-17"
    everyone = {a.pseudonym for a in DEMO_APPLICANTS}
    assert replacement(DEMO_SEED, DEMO_APPLICANTS, SEOCHO_30S, everyone) is None


def test_replacements_follow_the_reserve_order_of_the_stratum():
    applicants = make_applicants({GANGNAM_30S: 9, SEOCHO_30S: 4})
    strata = strata_of(applicants)
    result = draw("fill", applicants, 5)
    unavailable = set(result.selected)
    reserve_in_stratum = [p for p in result.reserve if strata[p] == GANGNAM_30S]
    for expected in reserve_in_stratum:
        chosen = replacement("fill", applicants, GANGNAM_30S, unavailable)
        assert chosen == expected
        unavailable.add(chosen)


def test_a_replacement_for_an_unknown_stratum_is_refused():
    with pytest.raises(ValueError, match="no applicant"):
        replacement(DEMO_SEED, DEMO_APPLICANTS, ("마포구", "30-39"), set())


# --- The published list and the script ----------------------------------------


def test_reading_the_published_list(tmp_path):
    path = write_csv(tmp_path / "applicants.csv", DEMO_APPLICANTS)
    assert read_applicants_csv(path) == DEMO_APPLICANTS
    assert read_applicants_csv(str(path)) == DEMO_APPLICANTS


@pytest.mark.parametrize("source", ["path", "binary", "text"])
def test_a_byte_order_mark_is_ignored(tmp_path, source):
    path = write_csv(tmp_path / "excel.csv", DEMO_APPLICANTS, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    if source == "path":
        applicants = read_applicants_csv(path)
    elif source == "binary":
        applicants = read_applicants_csv(io.BytesIO(path.read_bytes()))
    else:
        with path.open(encoding="utf-8", newline="") as handle:  # keeps the mark as U+FEFF
            applicants = read_applicants_csv(handle)
    assert applicants == DEMO_APPLICANTS


def test_crlf_blank_lines_trailing_commas_and_column_order(tmp_path):
    text = "district,Pseudonym,age_band,,\r\n강남구,소나무-22,30-39,,\r\n\r\n서초구,\"잣나무,12\",60+\r\n"
    assert read_applicants_csv(io.StringIO(text)) == [
        Applicant("소나무-22", GANGNAM_30S),
        Applicant("잣나무,12", ("서초구", "60+")),
    ]


def test_a_list_without_strata_columns():
    assert read_applicants_csv(io.StringIO("pseudonym\na\nb\n")) == [Applicant("a", ()), Applicant("b", ())]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "one column 'pseudonym'"),
        ("name,district\na,x\n", "one column 'pseudonym'"),
        ("pseudonym,,age_band\na,,x\n", "no name"),
        ("pseudonym,district,district\na,x,y\n", "twice"),
        ("pseudonym,district,age_band\na,강남구\n", "line 2: expected 3 values"),
        ("pseudonym,district\na,x,surplus\n", "line 2: expected 2 values"),
        ("pseudonym,district\na,x\n,y\n", "line 3: the pseudonym is empty"),
    ],
)
def test_a_malformed_list_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        read_applicants_csv(io.StringIO(text))


def test_running_the_file_as_a_script_gives_the_same_selection(tmp_path):
    applicants = make_applicants({GANGNAM_30S: 12, GANGNAM_60S: 5, SEOCHO_30S: 8})
    applicants += DEMO_APPLICANTS
    csv_path = write_csv(tmp_path / "applicants.csv", applicants, encoding="utf-8-sig")
    # A copy on its own, run in isolated mode: it must need nothing but the standard library.
    script = shutil.copy(LOTTERY_FILE, tmp_path / "lottery.py")
    seed = new_seed()
    for flag, expected in (([], "selected"), (["--reserve"], "reserve")):
        completed = subprocess.run(
            [sys.executable, "-I", str(script), seed, "11", str(csv_path), *flag],
            capture_output=True,
            cwd=tmp_path,
            check=True,
            timeout=60,
        )
        rows = list(csv.reader(io.StringIO(completed.stdout.decode("utf-8"))))
        result = draw(seed, applicants, 11)
        strata = strata_of(applicants)
        assert rows[0] == ["pseudonym", "district", "age_band"]
        assert rows[1:] == [[p, *strata[p]] for p in getattr(result, expected)]


def test_the_script_reports_a_bad_list_and_exits_non_zero(tmp_path, capsys):
    csv_path = tmp_path / "dup.csv"
    csv_path.write_text("pseudonym,district\na,x\na,y\n", encoding="utf-8")
    assert main(["seed", "1", str(csv_path)]) == 2
    assert "more than once" in capsys.readouterr().err
    assert main(["seed", "1", str(tmp_path / "missing.csv")]) == 2


def test_main_prints_the_demo_selection(tmp_path, capsys):
    csv_path = write_csv(tmp_path / "demo.csv", DEMO_APPLICANTS)
    assert main([DEMO_SEED, "3", str(csv_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "pseudonym,district,age_band",
        "소나무-22,강남구,30-39",
        "은행나무-04,강남구,30-39",
        "버드나무-31,서초구,30-39",
    ]


def test_the_module_imports_only_the_standard_library():
    tree = ast.parse(LOTTERY_FILE.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            imported.add(node.module.split(".")[0])
    assert imported
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
