"""Claims read from a document's own text: the seed documents against their hand-written tables,
the CLI route (`check DOCUMENT --example`, `document =`, --format json, --emit-published)."""

from __future__ import annotations

import dataclasses
import json
import re
import tracemalloc
from pathlib import Path

import pytest

from microgradnet.cli import main
from microgradnet.tutorial import claims, document, write_check
from microgradnet.tutorial.checker import Check, check
from microgradnet.tutorial.format import Example, load, parse
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.keys import parse as parse_key

EXAMPLES = Path(__file__).parent.parent / "microgradnet" / "examples"
SEEDS = {"glickert": "glickert.txt", "manual-221": "manual-221.txt"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def without_published(name: str) -> str:
    """The shipped example file's text with its [published] table cut out."""
    text = (EXAMPLES / f"{name}.toml").read_text(encoding="utf-8")
    return re.sub(r"(?ms)^\[published\]\n.*?(?=^\[\[|\Z)", "", text)


def _reading(name: str) -> tuple[Example, claims.Reading]:
    bare = parse(without_published(name), file=f"{name}.toml")
    assert bare.published == {}
    path, text = document.load(SEEDS[name])
    return bare, claims.read(bare, text, file=path)


def _figures(name: str) -> tuple[int, int, int, int]:
    """(hand-written printings, of them read under their key, claims read, claims read that the
    table has under another quantity or not at all)."""
    table = load(name).published
    _, reading = _reading(name)
    read = {(c.key, c.text) for c in reading.claims}
    printings = [(key, p.text) for key, ps in table.items() for p in ps]
    shown = {(key, p.text) for key, ps in table.items() for p in ps}
    shown |= {(u, q.text) for ps in table.values() for p in ps for u, q in p.uses}
    found = sum(1 for pair in printings if pair in read)
    wrong = len(read - shown)
    return len(printings), found, len(read), wrong


# ---- the acceptance: both seed documents ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_claims_read_from_the_seed_text_reproduce_the_hand_written_table(name: str) -> None:
    printings, found, read, wrong = _figures(name)
    assert printings == {"glickert": 44, "manual-221": 50}[name]
    assert found / printings >= 0.95, (found, printings)  # recall, the bar
    assert wrong == 0  # precision 1: nothing under the wrong quantity, nothing invented
    assert read >= found


def _signature(c: Check) -> list[tuple[str | None, str, list[str]]]:
    """Each finding as (slip, site, root quantities): what a reader of the report is told."""
    return [
        (
            f.slip.name if f.slip else None,
            str(f.site),
            sorted({str(c.rows[n].claim.key) for n in f.roots}),
        )
        for f in c.findings
    ]


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_the_document_gives_the_same_verdicts_and_root_causes_as_the_table(name: str) -> None:
    bare, reading = _reading(name)
    from_text, from_table = check(claims.with_claims(bare, reading)), check(load(name))
    assert from_text.ok == from_table.ok == (name == "manual-221")
    assert _signature(from_text) == _signature(from_table)
    verdicts = {(str(r.claim.key), r.claim.printing.text): r.verdict for r in from_table.rows}
    for row in from_text.rows:  # every value both read is judged the same
        pair = (str(row.claim.key), row.claim.printing.text)
        if pair in verdicts and row.claim.inside is None:
            assert row.verdict == verdicts[pair], pair


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_operand_of_the_table_is_read_for_its_claim(name: str) -> None:
    """The numbers of each displayed substitution, vectors and matrix products included
    (``[0.3058745, −0.1920204] [0.5005 \\ 0.6789] + 0.1117489`` gives z⁽²⁾ⁿᵉʷ its five)."""
    _, reading = _reading(name)
    read: dict[tuple[Key, str], set[tuple[Key, str]]] = {}
    for c in reading.claims:
        read.setdefault((c.key, c.text), set()).update((u, t) for u, t, _, _ in c.uses)
    for key, printings in load(name).published.items():
        for p in printings:
            wanted = {(u, q.text) for u, q in p.uses}
            if (str(key), p.text) == ("error_reduction_pct", "3.34"):  # the table lists Errorⁿᵉʷ,
                wanted.discard((parse_key("error_new"), "0.159554"))  # not in 0.005520/0.165074
            assert wanted <= read[(key, p.text)], (key, p.text)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_the_document_gives_the_same_notes(name: str) -> None:
    """A right value beside rounded operands that give another last digit, noted in both."""
    bare, reading = _reading(name)
    notes = [
        {(str(r.claim.key), r.claim.printing.text) for r in c.rows if r.substituted is not None}
        for c in (check(claims.with_claims(bare, reading)), check(load(name)))
    ]
    assert notes[0] == notes[1] != set()


def test_document_000_slips_are_found_at_their_lines() -> None:
    bare, reading = _reading("glickert")
    result = check(claims.with_claims(bare, reading))
    sites = {str(f.site): f for f in result.findings}
    assert set(sites) == {"fprime2[0]", "delta2[0]"}
    assert sites["fprime2[0]"].slip is None  # the σ′(z_o) typo: no slip reproduces 0.222774
    typo = result.rows[sites["fprime2[0]"].roots[0]].claim.printing
    assert (typo.text, typo.where) == ("0.222774", "134:79")  # `= 0.222774$$` on line 134
    hidden = sites["delta2[0]"]
    assert hidden.slip is not None and hidden.slip.name == "derivative_dropped"
    lines = sorted(result.rows[n].claim.printing.where for n in hidden.roots)
    assert lines == ["164:110", "168:78"]  # δ_o = 0.165074 inside δ_h1 and δ_h2


def test_not_read_lists_every_number_bearing_equation_it_could_not_map() -> None:
    _, reading = _reading("manual-221")
    where = [(u.line, u.column) for u in reading.not_read]
    # z⁽¹⁾ = W x + b with matrices and no result; σ(0.0) = … = 0.5 (no quantity on the left)
    assert where == [(54, 4), (61, 4), (63, 4), (63, 63)]
    assert all(u.reason for u in reading.not_read)


# ---- the command line -------------------------------------------------------------------------


def test_check_document_prints_findings_at_line_and_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "check", "glickert.txt", "--example", "glickert")
    assert (code, err) == (1, "")
    assert out.startswith(
        "Read 44 claims from glickert.txt; 0 number-bearing equations not read.\n"
    )
    assert "  134:79 σ′(z_o)              0.222774    0.222751  differs [1]" in out
    assert "Printed: 164:110 δ_o in δ_{h1} = 0.165074; 168:78 δ_o in δ_{h2} = 0.165074" in out


def test_check_document_json_gives_each_claim_with_its_place_verdict_and_cause(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(
        capsys, "check", "glickert.txt", "--example", "glickert", "--format", "json"
    )
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False and data["document"] == "glickert.txt"
    by_place = {(c["line"], c["column"]): c for c in data["claims"]}
    typo = by_place[(134, 79)]
    assert (typo["key"], typo["claimed"], typo["verdict"]) == ("fprime2[0]", "0.222774", "differs")
    assert "unexplained" in typo["cause"]
    agreeing = by_place[(80, 50)]
    assert (agreeing["key"], agreeing["claimed"], agreeing["verdict"]) == (
        "a1[0]", "0.552308", "agrees"
    )  # fmt: skip
    assert agreeing["cause"] is None
    assert all(
        {"key", "claimed", "line", "column", "verdict", "cause"} <= set(c) for c in data["claims"]
    )


def test_check_document_markdown_lists_the_claims_with_their_places(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(
        capsys, "check", "manual-221.txt", "--example", "manual-221", "--format", "markdown"
    )
    assert code == 0
    assert "| 82:59 L | 0.11115 | 0.11115 | agrees |" in out
    assert "## Not read" in out and "- `54:4  z^{(1)} = " in out


def test_an_example_file_names_its_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "notes").mkdir()
    text = (EXAMPLES / "documents" / "glickert.txt").read_text(encoding="utf-8")
    (tmp_path / "notes" / "doc.md").write_text(text, encoding="utf-8")
    example = tmp_path / "ex.toml"
    example.write_text('document = "notes/doc.md"\n' + without_published("glickert"), "utf-8")
    code, out, err = _run(capsys, "check", str(example))
    assert (code, err) == (1, "")
    assert f"from {tmp_path / 'notes' / 'doc.md'};" in out
    assert "134:79 σ′(z_o)" in out


def test_emit_published_writes_a_table_that_checks_the_same(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    table = tmp_path / "published.toml"
    code, _, err = _run(
        capsys, "check", "glickert.txt", "--example", "glickert", "--emit-published", str(table)
    )
    assert code == 1 and err == f"microgradnet: wrote {table}\n"
    emitted = table.read_text(encoding="utf-8")
    assert '"fprime2[0]" = { value = "0.222774", where = "134:79", uses = {' in emitted
    rebuilt = parse(without_published("glickert") + emitted)
    assert _signature(check(rebuilt)) == _signature(check(load("glickert")))


def test_emit_published_never_replaces_a_file_unless_told(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    table = tmp_path / "published.toml"
    table.write_text("mine\n", encoding="utf-8")
    argv = ["check", "glickert.txt", "--example", "glickert", "--emit-published", str(table)]
    code, out, err = _run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "already exists" in err
    assert table.read_text(encoding="utf-8") == "mine\n"
    code, _, _ = _run(capsys, *argv, "--overwrite")
    assert code == 1 and table.read_text(encoding="utf-8").startswith("# Claims read from")


def test_emit_published_refuses_to_write_over_the_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text((EXAMPLES / "documents" / "glickert.txt").read_text("utf-8"), "utf-8")
    before = doc.read_bytes()
    code, out, err = _run(
        capsys, "check", str(doc), "--example", "glickert", "--emit-published", str(doc),
        "--overwrite",
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert "one of this command's inputs" in err and err.count("\n") == 1
    assert doc.read_bytes() == before


def test_emit_published_needs_a_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "check", "glickert", "--emit-published", str(tmp_path / "x"))
    assert (code, out) == (2, "")
    assert err == "microgradnet check: --emit-published needs a document to read\n"


def test_an_unknown_document_names_the_shipped_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "check", "nope.md", "--example", "glickert")
    assert (code, out) == (2, "")
    assert err == (
        "microgradnet: nope.md: no such file or shipped document "
        "(shipped documents: glickert.txt, manual-221.txt)\n"
    )


# ---- the reader's tolerance, one form at a time -----------------------------------------------


def _read_one(example: str, text: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    bare = dataclasses.replace(load(example), published={})
    reading = claims.read(bare, text)
    return [(str(c.key), c.text, [(str(u), t) for u, t, _, _ in c.uses]) for c in reading.claims]


@pytest.mark.parametrize(
    "text",
    [
        "$$ z_{h1} = (0.35)(0.2) + (0.7)(0.2) = 0.21 $$",
        r"\[ z_{h1} = 0.35 \cdot 0.2 + 0.7 \times 0.2 \approx 0.21 \]",
        r"\begin{equation} z_{h1} = \left(0.35\right)\left(0.2\right) + (0.7)(0.2) = \boxed{0.21} \end{equation}",
        "z_{h1} = (0.35)(0.2) + (0.7)(0.2) ≈ 0.21",
        r"$$\begin{aligned} z_{h1} &= (0.35)(0.2) + (0.7)(0.2) \\ &= 0.21 \end{aligned}$$",
        r"\begin{align} z_{h1} &= (0.35)(0.2) + (0.7)(0.2) \\ &= 0.21 \end{align}",
    ],
)
def test_one_equation_in_many_spellings_gives_one_claim(text: str) -> None:
    (key, claimed, uses), *rest = _read_one("glickert", text)
    assert (key, claimed, rest) == ("z1[0]", "0.21", [])
    assert sorted(uses) == [
        ("W1[0,0]", "0.2"),
        ("W1[0,1]", "0.2"),
        ("x[0]", "0.35"),
        ("x[1]", "0.7"),
    ]


@pytest.mark.parametrize("symbol", ["h_1", "h_{1}", "h₁", "h_{ 1 }"])
def test_a_subscript_may_be_written_any_way(symbol: str) -> None:
    # σ(0.21) is z_{h1}'s number, which this text states nowhere else: a claim about z_{h1} too
    read = _read_one("glickert", f"$$ {symbol} = \\sigma(0.21) = 0.552308 $$")
    assert read == [("z1[0]", "0.21", []), ("a1[0]", "0.552308", [("z1[0]", "0.21")])]


def test_a_bmatrix_with_lost_row_breaks_is_a_vector_of_claims() -> None:
    text = r"$$ \boxed{ a^{(1)} = \begin{bmatrix} 0.5 \ 0.6791787 \end{bmatrix} } $$"
    assert [c[:2] for c in _read_one("manual-221", text)] == [
        ("a1[0]", "0.5"), ("a1[1]", "0.6791787")
    ]  # fmt: skip


def test_a_pmatrix_with_proper_row_breaks_reads_the_same() -> None:
    text = "\\[ a^{(1)} = \\begin{pmatrix} 0.5 \\\\ 0.6791787 \\end{pmatrix} \\]"
    assert [c[:2] for c in _read_one("manual-221", text)] == [
        ("a1[0]", "0.5"), ("a1[1]", "0.6791787")
    ]  # fmt: skip


def test_an_unknown_left_side_is_listed_as_not_read() -> None:
    bare = dataclasses.replace(load("glickert"), published={})
    reading = claims.read(bare, "intro\n$$ q_7 = 0.25 + 0.5 = 0.75 $$\n")
    assert reading.claims == ()
    assert [(u.line, u.column, u.reason) for u in reading.not_read] == [
        (2, 4, "its left side is no quantity of the example's notation")
    ]


def test_a_given_number_is_not_a_claim_and_not_unread() -> None:
    bare = dataclasses.replace(load("glickert"), published={})
    reading = claims.read(bare, "$$x_1 = 0.35, \\quad x_2 = 0.7$$")
    assert reading.claims == () and reading.not_read == ()


# ---- bad documents: one line, exit 2, bounded memory ------------------------------------------

#: Peak traced allocation allowed while refusing a bad document. Reading is capped at
#: files.MAX_INPUT_BYTES (1 MB) and every scan is one pass, so a few times the input is plenty;
#: a reader that loaded the whole 10 MB file or built a table per character would pass 64 MB.
PEAK_BYTES = 64 * 2**20

BAD_DOCUMENTS = {
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8 text (byte 0)"),
    "nul": (b"$$ z_o = 0.5 $$\n\x00\x01\x02", "2:1: binary data (a NUL byte), not text"),
    "huge": (b"$$ z_o = 0.5 $$\n" * 700_000, "larger than the limit of 1,000,000 bytes"),
    "unbalanced": (b"Intro\n\n$$ z_o = 0.685987\n\nmore text\n", "3:1: $$ is never closed"),
    "inline": (b"The output $o = 0.665074 is high.\n\nNext.\n", "1:12: $ is never closed"),
    "nested": (
        b"$$ z_o = " + b"{" * 50_000 + b"0.5" + b"}" * 50_000 + b" $$",
        "1:110: braces nested more than 100 deep",
    ),
    "digits": (
        b"ok\n$$ z_o = 0." + b"7" * 5_000 + b" $$\n",
        "2:10: a number 5,002 characters long (at most 40)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_a_bad_document_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    data, reason = BAD_DOCUMENTS[case]
    path = tmp_path / f"{case}.md"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        code, out, err = _run(capsys, "check", str(path), "--example", "glickert")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and len(err) < 300, err
    assert err.startswith(f"microgradnet: {path}") and reason in err, err
    assert peak < PEAK_BYTES, peak


def test_a_large_valid_document_is_read_in_one_pass() -> None:
    """A 200 kB document of 5,000 equations: every one read once, memory a few times the text."""
    bare = dataclasses.replace(load("glickert"), published={})
    text = "$$ z_{h1} = (0.35)(0.2) + (0.7)(0.2) = 0.21 $$\n\n$$ q = 0.5 $$\n\n" * 2_500
    tracemalloc.start()
    try:
        reading = claims.read(bare, text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [c.key for c in reading.claims] == [parse_key("z1[0]")]  # printed 2,500 times: one claim
    assert len(reading.not_read) == 2_500
    assert peak < PEAK_BYTES, peak


# ---- left sides that are no quantity, given numbers restated ----------------------------------

_NO_QUANTITY = "its left side is no quantity of the example's notation"


@pytest.mark.parametrize(
    "text",
    [
        r"$$ w_{h1\to o} + o = 0.965 $$",  # not a claim on o by its last word
        r"$$ e^{-z_{h1}} \cdot h_1 = 0.448 $$",  # nor on h_1
        "$$ o - y = 0.665074 - 0.5 = 0.165074 $$",  # nor dropped as the given y
        "$$ x_1 + x_2 = 1.05 $$",
        "$$ o + y = 1.165 $$",
        "Then o + y = 1.165 here.",  # plain text: the same
    ],
)
def test_a_math_left_side_must_name_a_quantity_whole(text: str) -> None:
    bare = dataclasses.replace(load("glickert"), published={})
    reading = claims.read(bare, "intro\n" + text)
    assert reading.claims == ()
    assert [(u.line, u.reason) for u in reading.not_read] == [(2, _NO_QUANTITY)]


def test_a_prose_label_still_names_its_quantity_by_its_last_words() -> None:
    assert _read_one("glickert", "The network output o = 0.665074") == [("a2[0]", "0.665074", [])]
    read = _read_one("glickert", "So the error is $0.665074 - 0.5 = 0.165074$.")
    assert ("error", "0.165074") in [c[:2] for c in read]


@pytest.mark.parametrize(
    ("text", "key", "claimed"),
    [
        (r"$$ w_{h1\to o} = 0.25 $$", "W2[0,0]", "0.25"),  # the example gives 0.3
        ("$$ x_1 = 0.45 $$", "x[0]", "0.45"),  # the example gives 0.35
    ],
)
def test_a_given_number_restated_otherwise_is_a_claim_that_differs(
    text: str, key: str, claimed: str
) -> None:
    bare = dataclasses.replace(load("glickert"), published={})
    reading = claims.read(bare, text)
    assert [(str(c.key), c.text) for c in reading.claims] == [(key, claimed)]
    result = check(claims.with_claims(bare, reading))
    assert [(str(r.claim.key), r.verdict) for r in result.rows] == [(key, "differs")]
    assert [str(f.site) for f in result.findings] == [key]
    given = {"W2[0,0]": "0.3", "x[0]": "0.35"}[key]
    assert f"printed {claimed}, but the example gives {given}: " in write_check.check(result)


def test_an_update_written_without_a_new_mark_is_the_updated_weight() -> None:
    read = _read_one("glickert", r"$$ w_{h1\to o} = 0.3 - 0.020309 = 0.279691 $$")
    assert ("W2[0,0]_new", "0.279691") in [c[:2] for c in read]
    assert all(key != "W2[0,0]" for key, _, _ in read)


# ---- the loss as the prose names it: only the document's own words ---------------------------


def test_a_document_without_the_examples_loss_words_gets_no_loss_notes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("$$ z_{h1} = (0.35)(0.2) + (0.7)(0.2) = 0.21 $$\n", encoding="utf-8")
    code, out, _ = _run(capsys, "check", str(doc), "--example", "glickert")
    assert code == 0, out  # glickert.toml's quotes are about another text, not this one
    assert "Loss as named" not in out and "cross-entropy" not in out


def test_the_loss_words_of_the_seed_text_are_cited_at_their_line_and_column() -> None:
    bare, reading = _reading("glickert")
    result = check(claims.with_claims(bare, reading))
    assert [(s.stated.name, s.stated.where, s.verdict) for s in result.stated] == [
        ("cross_entropy", "11:240 “one backward pass using cross-entropy loss”", "differs"),
        ("mse", "128:49 “For Mean Squared Error (MSE) loss”", "loose"),  # **bold** in the text
    ]


# ---- scientific notation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        r"2.728 \times 10^{-3}",
        r"2.728 \cdot 10^{-3}",
        r"2.728\times10^{ -3 }",
        "2.728×10^{-3}",
        "2.728 × 10⁻³",
        "2.728 \\times 10^-3",
        "2.728e-3",
    ],
)
def test_a_power_of_ten_is_one_number_its_digits_setting_the_tolerance(number: str) -> None:
    bare = dataclasses.replace(load("glickert"), published={})
    reading = claims.read(bare, f"$$ \\delta_{{h1}} = {number} $$")
    assert [(str(c.key), c.text) for c in reading.claims] == [("delta1[0]", "2.728e-3")]
    assert reading.not_read == ()
    printed = claims.with_claims(bare, reading).published[parse_key("delta1[0]")][0]
    assert (printed.places, printed.scientific) == (6, True)  # 4 significant digits of 0.002728
    assert check(claims.with_claims(bare, reading)).ok  # δ_h1 = 0.0027282… rounds to 2.728e-3
    wrong = claims.read(bare, f"$$ \\delta_{{h1}} = {number.replace('2.728', '2.730')} $$")
    assert not check(claims.with_claims(bare, wrong)).ok  # off by 2 in the 4th digit: differs
