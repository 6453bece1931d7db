"""``mark_current``: writing ``source: <hash>`` into real answer files in place, keeping
every other byte, and refusing (with file:line and the fix, nothing changed) what it
cannot edit safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from replykb import load_answer_base
from replykb.errors import EditError, UnknownNameError
from replykb.languages import source_hash, translation_status
from replykb.translations import mark_current, translations_report

from .conftest import EXAMPLE_BASE

SETTINGS = "brand: Acme\nlanguages: [en, it, fr]\n"

BLOCK = """\
# Refunds: owned by billing.
questions: [When is my refund?]
answer: Refunds arrive in 5 working days.   # policy of 2026
short: 5 working days.
translations:
  it:   # Giulia
    # reviewed by the Milan team
    questions: [Quando arriva il rimborso?]
    answer: >-
      I rimborsi arrivano
      in 5 giorni lavorativi.
    short: 5 giorni lavorativi.
"""

# (the answer file, the file expected after marking `it`, with {h} for the hash)
LAYOUTS = {
    "block-with-comments": (
        BLOCK,
        BLOCK.replace("  it:   # Giulia\n", '  it:   # Giulia\n    source: "{h}"\n'),
    ),
    "stale-source": (
        BLOCK.replace("# Giulia\n", '# Giulia\n    source: "0123456789ab"  # old\n'),
        BLOCK.replace("# Giulia\n", '# Giulia\n    source: "{h}"  # old\n'),
    ),
    "single-quoted-source": (
        BLOCK.replace("    short: 5 g", "    source: '0123456789ab'\n    short: 5 g"),
        BLOCK.replace("    short: 5 g", '    source: "{h}"\n    short: 5 g'),
    ),
    "empty-source": (
        BLOCK.replace("# Giulia\n", "# Giulia\n    source:\n"),
        BLOCK.replace("# Giulia\n", '# Giulia\n    source: "{h}"\n'),
    ),
    "null-source": (
        BLOCK.replace("# Giulia\n", "# Giulia\n    source: ~\n"),
        BLOCK.replace("# Giulia\n", '# Giulia\n    source: "{h}"\n'),
    ),
    "flow": (
        BLOCK.split("translations:")[0]
        + "translations:\n  it: {answer: I rimborsi arrivano., short: 5 giorni.}  # ok\n",
        BLOCK.split("translations:")[0]
        + 'translations:\n  it: {source: "{h}", answer: I rimborsi arrivano., short: 5 giorni.}'
        "  # ok\n",
    ),
    "crlf": (
        BLOCK.replace("\n", "\r\n"),
        BLOCK.replace("  it:   # Giulia\n", '  it:   # Giulia\n    source: "{h}"\n').replace(
            "\n", "\r\n"
        ),
    ),
    "byte-order-mark": (
        "\ufeff" + BLOCK.replace("I rimborsi", "😀 I rimborsi è"),
        "\ufeff"
        + BLOCK.replace("I rimborsi", "😀 I rimborsi è").replace(
            "  it:   # Giulia\n", '  it:   # Giulia\n    source: "{h}"\n'
        ),
    ),
    "four-space-indent": (
        "questions: [When?]\nanswer: Soon.\ntranslations:\n    it:\n        answer: Presto.\n",
        "questions: [When?]\nanswer: Soon.\ntranslations:\n    it:\n"
        '        source: "{h}"\n        answer: Presto.\n',
    ),
    "last-in-file-without-newline": (
        BLOCK.split("translations:")[0] + "translations:\n  fr: {answer: x}\n  it:\n    answer: y",
        BLOCK.split("translations:")[0]
        + 'translations:\n  fr: {answer: x}\n  it:\n    source: "{h}"\n    answer: y',
    ),
}


def _base(tmp_path: Path, answers: dict[str, str]) -> Path:
    root = tmp_path / "base"
    (root / "a").mkdir(parents=True)
    (root / "replykb.yaml").write_text(SETTINGS, encoding="utf-8")
    for name, text in answers.items():
        (root / "a" / f"{name}.yaml").write_bytes(text.encode("utf-8"))
    return root


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_mark_current_writes_the_hash_and_changes_nothing_else(tmp_path: Path, layout: str) -> None:
    before, expected = LAYOUTS[layout]
    root = _base(tmp_path, {"refund": before})
    base = load_answer_base(root)
    digest = source_hash(base.answer("refund"))
    assert base.answer("refund").translations["it"].source != digest

    (marked,) = mark_current(base, [("refund", "it")])

    file = root / "a/refund.yaml"
    after = file.read_bytes().decode("utf-8")
    assert after == expected.replace("{h}", digest)
    assert (marked.answer_id, marked.language, marked.source) == ("refund", "it", digest)
    assert after.splitlines()[marked.line - 1].lstrip("\ufeff ").startswith(("source:", "it:"))
    status = translation_status(load_answer_base(root), ("it",))
    assert [(s.answer_id, s.state) for s in status] == [("refund", "current")]
    # Marking again is a no-op: the file stays byte for byte.
    (again,) = mark_current(load_answer_base(root), [("refund", "it")])
    assert again.previous == digest and file.read_bytes().decode("utf-8") == after


def test_the_file_keeps_its_mode(tmp_path: Path) -> None:
    root = _base(tmp_path, {"refund": BLOCK})
    file = root / "a/refund.yaml"
    file.chmod(0o640)
    mark_current(load_answer_base(root), [("refund", "it")])
    assert file.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in file.parent.iterdir()] == ["refund.yaml"]  # no temporary left


def test_a_read_only_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    root = _base(tmp_path, {"refund": BLOCK, "other": BLOCK})
    readonly = root / "a/refund.yaml"
    readonly.chmod(0o444)
    other = root / "a/other.yaml"
    with pytest.raises(EditError) as raised:
        mark_current(load_answer_base(root), [("other", "it"), ("refund", "it")])
    message = str(raised.value)
    assert f"{readonly}: the file is read-only" in message
    assert f"chmod u+w {readonly}" in message
    # All or nothing: the writable file of the same command is untouched too.
    assert readonly.read_text(encoding="utf-8") == BLOCK == other.read_text(encoding="utf-8")


ANCHORED = """\
questions: [When is my refund?]
answer: Refunds arrive in 5 working days.
translations:
  it: &italian
    answer: I rimborsi arrivano in 5 giorni lavorativi.
  fr: *italian
"""

FOLDED_SOURCE = BLOCK.replace("# Giulia\n", "# Giulia\n    source: >-\n      0123456789ab\n")


@pytest.mark.parametrize(
    ("text", "language", "line", "words"),
    [
        (ANCHORED, "fr", 6, "translations.fr is not a mapping written here"),
        (ANCHORED, "it", None, "would change more than the hash; add `source: "),
        (FOLDED_SOURCE, "it", 7, "translations.it.source is not one value"),
    ],
    ids=["alias", "anchor-shared", "folded-source"],
)
def test_what_cannot_be_edited_safely_is_refused_with_file_and_line(
    tmp_path: Path, text: str, language: str, line: int | None, words: str
) -> None:
    root = _base(tmp_path, {"refund": text})
    file = root / "a/refund.yaml"
    with pytest.raises(EditError) as raised:
        mark_current(load_answer_base(root), [("refund", language)])
    message = str(raised.value)
    assert message.startswith(f"{file}:{line}:" if line else f"{file}:"), message
    assert words in message
    assert file.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("mark", "error", "words"),
    [
        (("refund", "fr"), EditError, "refund has no `translations.fr`; write the translation"),
        (("nope", "it"), UnknownNameError, "unknown answer 'nope'"),
        (
            ("refund", "en"),
            UnknownNameError,
            "en is the source language of {root}: its texts are the answers' own, not a "
            "translation; translations are into: it, fr",
        ),
        (("refund", "de"), UnknownNameError, "unknown translation language 'de'"),
    ],
)
def test_a_mark_that_makes_no_sense_says_why(
    tmp_path: Path, mark: tuple[str, str], error: type[Exception], words: str
) -> None:
    root = _base(tmp_path, {"refund": BLOCK})
    with pytest.raises(error) as raised:
        mark_current(load_answer_base(root), [mark])
    assert words.format(root=root) in str(raised.value)
    assert "unknown translation language 'en'" not in str(raised.value)
    assert (root / "a/refund.yaml").read_text(encoding="utf-8") == BLOCK


def test_marking_on_a_one_language_base_says_to_list_more_languages(tmp_path: Path) -> None:
    root = _base(tmp_path, {"refund": BLOCK.split("translations:")[0]})
    (root / "replykb.yaml").write_text("brand: Acme\nlanguages: [en]\n", encoding="utf-8")
    with pytest.raises(UnknownNameError) as raised:
        mark_current(load_answer_base(root), [("refund", "it")])
    assert str(raised.value) == (
        f"{root} has one language (en), so there are no translations: list more in "
        "replykb.yaml (`languages: [en, it]`)"
    )


def test_a_missing_translation_is_located_where_the_listing_locates_it(tmp_path: Path) -> None:
    text = BLOCK.split("translations:")[0]
    root = _base(tmp_path, {"refund": text})
    base = load_answer_base(root)
    listed = next(s for s in translation_status(base) if s.answer_id == "refund")
    with pytest.raises(EditError) as raised:
        mark_current(base, [("refund", "it")])
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("answer:"))
    assert str(raised.value).startswith(f"{root / 'a/refund.yaml'}:{line}:"), raised.value
    assert listed.location.line == line  # `replykb translations` says the same line


@pytest.mark.parametrize(
    ("broken", "line"),
    [("  bad: [unclosed\n", 14), ("  tagged: !!python/name:os.system x\n", 14)],
    ids=["unclosed-flow", "unsafe-tag"],
)
def test_a_file_broken_after_loading_is_a_located_error(
    tmp_path: Path, broken: str, line: int
) -> None:
    # R1-1: a translator saves a half-written file between the load and the mark.
    root = _base(tmp_path, {"refund": BLOCK})
    base = load_answer_base(root)
    file = root / "a/refund.yaml"
    file.write_text(BLOCK + broken, encoding="utf-8")
    with pytest.raises(EditError) as raised:
        mark_current(base, [("refund", "it")])
    message = str(raised.value)
    assert message.startswith(f"{file}:"), message
    assert "changed while marking and no longer parses" in message
    assert "fix it and run again" in message
    assert file.read_text(encoding="utf-8") == BLOCK + broken


def test_a_source_edited_after_loading_is_not_marked_current(tmp_path: Path) -> None:
    root = _base(tmp_path, {"refund": BLOCK})
    base = load_answer_base(root)
    file = root / "a/refund.yaml"
    edited = BLOCK.replace("in 5 working days.", "in 7 working days.")
    file.write_text(edited, encoding="utf-8")  # someone saves a new source meanwhile
    with pytest.raises(EditError) as raised:
        mark_current(base, [("refund", "it")])
    assert "refund changed while it was being marked" in str(raised.value)
    assert file.read_text(encoding="utf-8") == edited  # restored as it was before the mark


EXAMPLE_ANSWERS = [
    "billing/double-charge.yaml",
    "account/reset-password.yaml",
    "orders/where-is-my-order.yaml",
    "contact/opening-hours.yaml",
    "privacy/data-access-request.yaml",
]


@pytest.mark.parametrize("relative", EXAMPLE_ANSWERS)
def test_example_answers_are_marked_in_place(tmp_path: Path, relative: str) -> None:
    text = (EXAMPLE_BASE / relative).read_text(encoding="utf-8")
    if "\ntranslations:" not in text:  # before its Italian is written
        text += "translations:\n  it:\n    answer: Testo italiano.\n"
    root = tmp_path / "base"
    (root / "a").mkdir(parents=True)
    (root / "replykb.yaml").write_text("brand: Fernhill\nlanguages: [en, it]\n")
    file = root / "a" / Path(relative).name
    file.write_text(text, encoding="utf-8")
    base = load_answer_base(root)
    (answer,) = base.answers

    mark_current(base, [(answer.id, "it")])

    after = file.read_text(encoding="utf-8")
    source_lines = [line for line in after.splitlines() if line.strip().startswith("source:")]
    assert source_lines == [f'    source: "{source_hash(answer)}"']
    assert [line for line in after.splitlines() if not line.strip().startswith("source:")] == [
        line for line in text.splitlines() if not line.strip().startswith("source:")
    ]
    report = translations_report(load_answer_base(root))
    assert report.ok and report.languages[0].counts["current"] == 1


def test_a_symlinked_answer_file_is_edited_where_it_lives(tmp_path: Path) -> None:
    root = _base(tmp_path, {})
    real = root / ".shared" / "refund.yaml"  # a hidden folder: not an answer file itself
    real.parent.mkdir()
    real.write_text(BLOCK, encoding="utf-8")
    os.symlink(real, root / "a" / "refund.yaml")
    mark_current(load_answer_base(root), [("refund", "it")])
    assert (root / "a" / "refund.yaml").is_symlink()
    assert 'source: "' in real.read_text(encoding="utf-8")


def test_another_file_broken_meanwhile_does_not_undo_the_marks(tmp_path: Path) -> None:
    root = _base(tmp_path, {"refund": BLOCK, "other": BLOCK})
    base = load_answer_base(root)
    (root / "a" / "other.yaml").write_text("questions: [half-saved\n")  # a colleague saving
    (marked,) = mark_current(base, [("refund", "it")])
    assert f'source: "{marked.source}"' in (root / "a" / "refund.yaml").read_text()


# --- runs that meet other writers: a translator saving, another mark run -------------


def _two_answers(tmp_path: Path) -> tuple[Path, Path, Path]:
    other = BLOCK.replace("my refund?", "my parcel?")
    root = _base(tmp_path, {"a-refund": BLOCK, "b-parcel": other})
    return root, root / "a/a-refund.yaml", root / "a/b-parcel.yaml"


@pytest.mark.parametrize("edited", ["first", "last"])
def test_an_edit_saved_while_marking_is_kept_and_the_run_fails(tmp_path: Path, edited: str) -> None:
    root, first, last = _two_answers(tmp_path)
    originals = {first: first.read_bytes(), last: last.read_bytes()}
    target = first if edited == "first" else last
    note = b"# translator note: check the amounts\n"

    def translator_saves(file: Path) -> None:
        if file == target.resolve():  # saved after the run planned the file, before it is replaced
            target.write_bytes(originals[target] + note)

    with pytest.raises(EditError) as error:
        mark_current(
            load_answer_base(root),
            [("a-refund", "it"), ("b-parcel", "it")],
            before_replace=translator_saves,
        )
    assert str(error.value) == (
        f"{target.resolve()}: {target.name} changed while marking (saved by someone else "
        "since it was read); it was left as it is and no mark was written: run the command again"
    )
    assert target.read_bytes() == originals[target] + note  # the edit is kept
    untouched = last if target == first else first
    assert untouched.read_bytes() == originals[untouched]  # all or nothing: restored
    states = translation_status(load_answer_base(root), ("it",))
    assert [s.state for s in states] == ["unmarked", "unmarked"]


def test_a_file_edited_after_this_run_wrote_it_is_not_restored(tmp_path: Path) -> None:
    root, first, last = _two_answers(tmp_path)
    last_before = last.read_bytes()

    def both_edited(file: Path) -> None:
        if file == last.resolve():
            # The first file already holds this run's mark; someone appends to both.
            first.write_bytes(first.read_bytes() + b"# note 1\n")
            last.write_bytes(last_before + b"# note 2\n")

    with pytest.raises(EditError) as error:
        mark_current(
            load_answer_base(root),
            [("a-refund", "it"), ("b-parcel", "it")],
            before_replace=both_edited,
        )
    message = str(error.value)
    assert message.startswith(f"{last.resolve()}: b-parcel.yaml changed while marking")
    assert message.endswith(
        "not restored because they changed after this run wrote them (check their `source:` "
        f"lines): {first.resolve()}"
    )
    assert first.read_text().endswith("# note 1\n") and '    source: "' in first.read_text()
    assert last.read_bytes() == last_before + b"# note 2\n"


def test_a_second_run_on_the_same_base_is_refused_and_no_mark_is_lost(tmp_path: Path) -> None:
    root, _first, last = _two_answers(tmp_path)
    refusals: list[str] = []

    def second_run(file: Path) -> None:
        if file == last.resolve():
            with pytest.raises(EditError) as error:
                mark_current(load_answer_base(root), [("a-refund", "fr"), ("b-parcel", "it")])
            refusals.append(str(error.value))

    mark_current(
        load_answer_base(root), [("a-refund", "it"), ("b-parcel", "it")], before_replace=second_run
    )
    assert refusals == [
        f"{root}: another `replykb translations --mark-...` is marking this base; wait until "
        "it ends, then run the command again"
    ]
    states = translation_status(load_answer_base(root), ("it",))
    assert [(s.answer_id, s.state) for s in states] == [
        ("a-refund", "current"),
        ("b-parcel", "current"),
    ]
    # Once the first run ended, the lock is free again.
    mark_current(load_answer_base(root), [("a-refund", "it")])
    assert (root / ".replykb" / "translations.lock").exists()


def test_a_base_whose_folder_cannot_hold_the_lock_locks_in_the_temporary_folder(
    tmp_path: Path,
) -> None:
    root, first, _last = _two_answers(tmp_path)
    (root / ".replykb").write_text("not a folder")  # .replykb/ cannot be created
    mark_current(load_answer_base(root), [("a-refund", "it")])
    assert '    source: "' in first.read_text()
