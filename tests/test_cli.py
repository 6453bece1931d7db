"""The command line, through click's CliRunner: output and exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from replykb import KnowledgeBase, __version__, load_answer_base
from replykb.cli import cli

from .conftest import EXAMPLE_BASE, SHOP_BASE, WriteBase


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def shop_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "shop"
    shutil.copytree(SHOP_BASE, root, ignore=shutil.ignore_patterns(".replykb"))
    return root


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


CHECK_SETTINGS = """\
brand: Acme
channels:
  x: {}
  email: {}
agents:
  paola: {name: Paola}
policy:
  max_review_age_days: 365
  min_questions: 3
"""
# Warnings only: no `tests:` (RKB603) and an old review (RKB601).
CHECK_REFUND = """\
questions: [when will I get my refund, how long does a refund take, still waiting for my money]
answer: Refunds reach your account within 5 working days.
reviewed: 2020-01-01
"""
# An error: the same question as the refund answer (RKB401).
CHECK_PAYMENT = """\
questions:
  - which cards do you accept
  - can I pay with PayPal
  - How long does a refund take?
answer: We accept Visa, Mastercard and PayPal.
reviewed: 2020-01-01
"""


@pytest.fixture(scope="module")
def check_bases(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """A base with warnings only and one with an error, their caches filled so the CLI
    re-checks them without encoding anything again."""
    from replykb.checks import run_checks

    bases = {
        "warnings": {"refund.yaml": CHECK_REFUND},
        "errors": {"refund.yaml": CHECK_REFUND, "payment.yaml": CHECK_PAYMENT},
    }
    roots = {}
    for name, answers in bases.items():
        root = tmp_path_factory.mktemp("check") / name
        root.mkdir()
        (root / "replykb.yaml").write_text(CHECK_SETTINGS, encoding="utf-8")
        for file, text in answers.items():
            (root / file).write_text(text, encoding="utf-8")
        run_checks(root, embedder=real_embedder)
        roots[name] = root
    return roots


@pytest.mark.parametrize(
    ("base", "flags", "exit_code"),
    [
        ("warnings", [], 0),
        ("warnings", ["--strict"], 1),
        ("errors", [], 1),
        ("errors", ["--strict"], 1),
    ],
)
def test_check_exit_codes(
    runner: CliRunner, check_bases: dict[str, Path], base: str, flags: list[str], exit_code: int
) -> None:
    root = check_bases[base]
    result = runner.invoke(cli, ["check", str(root), *flags], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == exit_code, result.output
    assert f"{root / 'refund.yaml'}:3:1: RKB601 warning answer 'refund' was last reviewed" in (
        result.output
    )
    assert result.output.rstrip().endswith("(1 answer, 3 questions)") or base == "errors"


def test_check_text_report_locates_the_error_and_its_twin(
    runner: CliRunner, check_bases: dict[str, Path]
) -> None:
    root = check_bases["errors"]
    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": None})
    lines = result.output.splitlines()
    error = next(i for i, line in enumerate(lines) if " RKB401 error " in line)
    assert lines[error].startswith(f"{root / 'refund.yaml'}:1:")
    assert lines[error + 1].startswith("    hint: ")
    assert lines[error + 2] == f"    see also: {root / 'payment.yaml'}:4:5"
    assert lines[-1] == f"{root}: 1 error, 4 warnings (2 answers, 6 questions)"


@pytest.mark.parametrize("output", [[], ["--output", "-"]], ids=["default", "dash"])
def test_check_json_report(
    runner: CliRunner, check_bases: dict[str, Path], output: list[str]
) -> None:
    root = check_bases["errors"]
    result = runner.invoke(cli, ["check", str(root), "--format", "json", *output])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["error_count"], report["warning_count"]) == (1, 4)
    codes = sorted(finding["code"] for finding in report["findings"])
    assert codes == ["RKB401", "RKB601", "RKB601", "RKB603", "RKB603"]
    duplicate = next(f for f in report["findings"] if f["code"] == "RKB401")
    assert duplicate["severity"] == "error" and duplicate["hint"]
    assert duplicate["location"]["file"] == str(root / "refund.yaml")
    assert duplicate["location"]["line"] == 1
    assert duplicate["related"][0] == {"file": str(root / "payment.yaml"), "line": 4, "column": 5}


@pytest.mark.parametrize("strict", [False, True])
def test_check_junit_report_to_a_file(
    runner: CliRunner, check_bases: dict[str, Path], tmp_path: Path, strict: bool
) -> None:
    import xml.etree.ElementTree as ET

    from replykb.checks import RULES

    output = tmp_path / "check.xml"
    args = ["check", str(check_bases["errors"]), "--format", "junit", "--output", str(output)]
    result = runner.invoke(cli, args + (["--strict"] if strict else []))
    assert result.exit_code == 1
    assert " RKB401 error " in result.output  # the console still shows the text report
    suite = ET.fromstring(output.read_text(encoding="utf-8")).find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(RULES))
    failed = {
        case.get("name", "").split()[0]
        for case in suite.iter("testcase")
        if case.find("failure") is not None
    }
    assert failed == ({"RKB401", "RKB601", "RKB603"} if strict else {"RKB401"})
    assert suite.get("failures") == str(len(failed))


def test_check_github_annotations_when_on_actions(
    runner: CliRunner, check_bases: dict[str, Path]
) -> None:
    root = check_bases["errors"]
    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    annotations = [line for line in result.output.splitlines() if line.startswith("::")]
    assert len(annotations) == 5
    error = next(line for line in annotations if "title=RKB401" in line)
    assert error.startswith(f"::error file={root / 'refund.yaml'},line=1,col=")
    assert "%0Ahint: " in error  # the hint, on the annotation's second line
    assert any(line.startswith("::warning file=") for line in annotations)
    assert result.output.rstrip().endswith("(2 answers, 6 questions)")  # and the plain summary


def test_check_broken_base_exits_1_with_located_problems(
    runner: CliRunner, write_base: WriteBase
) -> None:
    root = write_base(
        {"a/one.yaml": "qestions: [hi]\nanswer: x\n", "a/two.yaml": "questions: [hi]\n"}
    )
    result = runner.invoke(cli, ["check", str(root)], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 1
    assert (
        f"{root / 'a/one.yaml'}:1:1: RKB001 error qestions: unknown key `qestions`; "
        "did you mean `questions`?" in result.output
    )
    assert f"{root / 'a/two.yaml'}:1:1: RKB001 error answer: missing required key `answer`" in (
        result.output
    )


@pytest.mark.parametrize("args", [["check", "/no/such/folder"], ["check", "."]])
def test_check_cannot_run_exits_2(runner: CliRunner, args: list[str], tmp_path: Path) -> None:
    if args[1] == ".":
        args = ["check", str(tmp_path)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "replykb: error:" in result.output
    assert "Traceback" not in result.output


def test_suggest_confident_prints_the_reply(runner: CliRunner, shop_copy: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "suggest",
            "my refund hasn't arrived yet",
            "--kb",
            str(shop_copy),
            "--channel",
            "x",
            "--agent",
            "paola",
            "--customer",
            "@mario",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "refund-timing (confident" in result.output
    assert "5 working days" in result.output and "^Paola" in result.output
    assert "weighted characters of 280" in result.output


def test_suggest_json_is_the_library_suggestion(runner: CliRunner, shop_copy: Path) -> None:
    args = [
        "suggest",
        "I forgot my password",
        "--kb",
        str(shop_copy),
        "-c",
        "email",
        "--conversation",
        "c9",
        "--json",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # The library as users load it (the same embedder as the CLI), byte for byte.
    kb = KnowledgeBase.load(shop_copy)
    library = kb.suggest("I forgot my password", channel="email", conversation_id="c9")
    assert result.stdout == library.model_dump_json(indent=2) + "\n"
    assert payload["reply"]["answer_id"] == "reset-password"


def test_suggest_no_match_says_so(runner: CliRunner, shop_copy: Path) -> None:
    result = runner.invoke(
        cli, ["suggest", "who won the football last night", "--kb", str(shop_copy), "-c", "sms"]
    )
    assert result.exit_code == 0
    assert (
        "no confident answer" in result.output and "pass this message to a person" in result.output
    )


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["-c", "fax"], "unknown channel 'fax'; known channels:"),
        (["-c", "x", "--agent", "zed"], "unknown agent 'zed'"),
    ],
)
def test_suggest_unknown_names_exit_2(
    runner: CliRunner, shop_copy: Path, extra: list[str], words: str
) -> None:
    result = runner.invoke(cli, ["suggest", "refund?", "--kb", str(shop_copy), *extra])
    assert result.exit_code == 2
    assert words in result.output


def test_render_all_channels(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["render", "refund-timing", "--kb", str(EXAMPLE_BASE), "--agent", "paola", "--json"]
    )
    assert result.exit_code == 0, result.output
    replies = json.loads(result.stdout)
    channels = load_answer_base(EXAMPLE_BASE).settings.channels
    assert [reply["channel"] for reply in replies] == list(channels)
    assert {"x", "facebook", "instagram", "sms", "email", "chat"} <= set(channels)
    assert all(reply["limit"] is None or reply["length"] <= reply["limit"] for reply in replies)


def test_render_headers_count_in_each_channel_unit(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["render", "refund-timing", "--kb", str(EXAMPLE_BASE)])
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith("[refund-timing")]
    assert len(headers) == len(load_answer_base(EXAMPLE_BASE).settings.channels)
    assert re.search(r"on x: full, \d+ weighted characters of 280\]", result.output)
    assert "on sms: full, 1 segment of 2]" in result.output
    assert re.search(r"on email: full, \d+ characters\]", result.output)


def test_render_unknown_answer(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["render", "nope", "--kb", str(EXAMPLE_BASE)])
    assert result.exit_code == 2 and "unknown answer 'nope'" in result.output


def test_eval_shop_base_reports_and_exits_0(runner: CliRunner, shop_copy: Path) -> None:
    result = runner.invoke(cli, ["eval", str(shop_copy), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["in_scope_accuracy"] == 1.0 and report["oos_recall"] == 1.0


def test_eval_with_data_file_and_calibration(
    runner: CliRunner, shop_copy: Path, tmp_path: Path
) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(
        "message,expected\n"
        "refund not here yet,refund-timing\n"
        "where is my parcel,where-is-my-order\n"
        "forgot password,reset-password\n"
        "what's the weather like,\n"
        "recommend a good film,\n"
    )
    result = runner.invoke(
        cli, ["eval", str(shop_copy), "--data", str(data), "--calibrate", "--min-oos-recall", "1.0"]
    )
    assert result.exit_code == 0, result.output
    threshold = re.search(r"match:\n  threshold: (\S+)\n", result.output)
    assert threshold is not None, result.output
    assert f"at threshold {threshold.group(1)}," in result.output, "the same threshold twice"
    metrics = [line for line in result.output.splitlines() if line.endswith("%")]
    assert len(metrics) == 5 and len({line.index("100.0%") for line in metrics}) == 1, metrics
    assert "  out-of-scope recall     100.0%" in metrics


def test_eval_bad_data_file_names_the_line(
    runner: CliRunner, shop_copy: Path, tmp_path: Path
) -> None:
    data = tmp_path / "labelled.jsonl"
    data.write_text(
        '{"message": "refund?", "expected": "refund-timing"}\n{"message": "x", "expected": "nope"}\n'
    )
    result = runner.invoke(cli, ["eval", str(shop_copy), "--data", str(data)])
    assert result.exit_code == 2
    assert f"{data}:2: unknown answer id 'nope'" in result.output


# --- one way to name the base, -q, one-line errors, `answers`, completion (issue 12 point 7) ---

# Each command, without its base, and what its output shows when it read the shop base.
BASE_COMMANDS: dict[str, tuple[list[str], bool, str]] = {
    # name: (arguments, takes a PATH argument too, text only the shop base gives)
    "check": (["check"], True, "no problems (3 answers,"),
    "answers": (["answers"], True, "where-is-my-order  Tracking an order"),
    "suggest": (
        ["suggest", "my parcel hasn't turned up", "-c", "x"],
        False,
        "where-is-my-order (confident",
    ),
    "render": (["render", "where-is-my-order", "-c", "sms"], False, "[where-is-my-order on sms"),
    "eval": (["eval"], True, "5 messages (3 in scope, 2 out of scope)"),
    "init": (["init"], True, "created "),
}
WAYS = ["--kb", "REPLYKB_KB", "PATH"]


def _name_the_base(
    way: str, args: list[str], base: Path, takes_path: bool
) -> tuple[list[str], dict[str, str | None]]:
    if way == "--kb":
        return [*args, "--kb", str(base)], {"REPLYKB_KB": None}
    if way == "REPLYKB_KB":
        return args, {"REPLYKB_KB": str(base)}
    assert takes_path
    return [args[0], str(base), *args[1:]], {"REPLYKB_KB": None}


@pytest.mark.parametrize(
    ("command", "way"),
    [
        (command, way)
        for command, (_, takes_path, _) in sorted(BASE_COMMANDS.items())
        for way in WAYS
        if way != "PATH" or takes_path
    ],
)
def test_every_command_reads_the_base_from_kb_env_or_path(
    runner: CliRunner,
    shop_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    way: str,
) -> None:
    args, takes_path, shows = BASE_COMMANDS[command]
    monkeypatch.chdir(tmp_path)  # no answers/ here: a base that is not read fails loudly
    base = tmp_path / "new-base" if command == "init" else shop_copy
    full_args, env = _name_the_base(way, args, base, takes_path)
    result = runner.invoke(cli, full_args, env={**env, "GITHUB_ACTIONS": None})
    assert result.exit_code == 0, result.output
    assert shows in result.stdout
    if command == "init":
        assert (base / "replykb.yaml").is_file()


@pytest.mark.parametrize("command", sorted(c for c, (_, path, _) in BASE_COMMANDS.items() if path))
def test_path_beats_the_environment_and_clashes_with_kb(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "no-such-base"
    args = BASE_COMMANDS[command][0]
    clash = runner.invoke(cli, [args[0], str(tmp_path / "a"), "--kb", str(tmp_path / "b")])
    assert clash.exit_code == 2
    assert "give the base as PATH or --kb, not both" in clash.output
    # PATH over $REPLYKB_KB: the error names the PATH's folder, not the variable's.
    result = runner.invoke(cli, [args[0], str(missing)], env={"REPLYKB_KB": str(tmp_path)})
    if command == "init":
        assert result.exit_code == 0 and (missing / "replykb.yaml").is_file()
    else:
        assert result.exit_code == 2, result.output
        assert str(missing) in result.stderr and str(tmp_path) + "\n" not in result.stderr


@pytest.mark.parametrize("command", sorted(BASE_COMMANDS))
def test_help_shows_examples_kb_and_quiet(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [BASE_COMMANDS[command][0][0], "--help"])
    assert result.exit_code == 0
    assert "Examples:\n    replykb " in result.output
    words = " ".join(result.output.split())  # as wrapped for any terminal width
    assert "--kb DIR The answer base folder (default: answers/)." in words
    assert "[env var: REPLYKB_KB]" in words and "-q, --quiet Only results and errors" in words


def test_render_no_longer_accepts_an_ignored_cache_dir(runner: CliRunner, shop_copy: Path) -> None:
    args = ["render", "refund-timing", "--kb", str(shop_copy), "--cache-dir", "x"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2 and "No such option '--cache-dir'" in result.output


def _shop_reply(shop_copy: Path, answer_id: str, channel: str) -> str:
    from replykb.render import Renderer

    base = load_answer_base(shop_copy)
    renderer = Renderer(base.settings, dict(base.templates))
    return renderer.render(base.answer(answer_id), channel=channel).text


@pytest.mark.parametrize("command", sorted(BASE_COMMANDS))
def test_quiet_prints_only_results(
    runner: CliRunner, shop_copy: Path, tmp_path: Path, command: str
) -> None:
    args, _, _ = BASE_COMMANDS[command]
    base = tmp_path / "new-base" if command == "init" else shop_copy
    result = runner.invoke(cli, [*args, "--kb", str(base), "-q"], env={"GITHUB_ACTIONS": None})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    quiet = {
        "check": "",  # no findings, and no summary line
        "answers": "refund-timing      When a refund arrives  refunds  billing-team   2026-10-01\n"
        "reset-password     Resetting a password   -        account-team   2026-10-01\n"
        "where-is-my-order  Tracking an order      -        delivery-team  2026-10-01\n",
        "suggest": _shop_reply(shop_copy, "where-is-my-order", "x") + "\n",
        "render": _shop_reply(shop_copy, "where-is-my-order", "sms") + "\n",
        "eval": "",  # every labelled message matched as expected
        "init": "",
    }
    assert result.stdout == quiet[command]


def test_quiet_suggest_prints_nothing_when_a_person_must_answer(
    runner: CliRunner, shop_copy: Path
) -> None:
    args = ["suggest", "who won the football last night", "--kb", str(shop_copy), "-c", "x", "-q"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0 and result.output == ""


@pytest.mark.parametrize("quiet", [False, True])
def test_quiet_hides_index_progress_lines(
    runner: CliRunner, shop_copy: Path, tmp_path: Path, quiet: bool
) -> None:
    """An edited base rebuilds its index; the log says so, unless -q."""
    base = tmp_path / "edited"
    shutil.copytree(shop_copy, base)
    refund = base / "orders" / "refund-timing.yaml"
    refund.write_text(
        refund.read_text(encoding="utf-8").replace("questions:", "questions:\n  - refund ETA?", 1),
        encoding="utf-8",
    )
    args = ["suggest", "my parcel hasn't turned up", "--kb", str(base), "-c", "x"]
    result = runner.invoke(cli, args + (["-q"] if quiet else []))
    assert result.exit_code == 0, result.output
    assert ("replykb: building the index of" in result.stderr) is not quiet
    assert "where-is-my-order" in result.stdout or quiet


def test_quiet_triage_keeps_line_errors_and_drops_the_summary(
    runner: CliRunner, shop_copy: Path, tmp_path: Path
) -> None:
    backlog = tmp_path / "backlog.jsonl"
    backlog.write_text('{"message": "refund?"}\n{"message": \n{"message": "password"}\n')
    args = ["suggest", "--input", str(backlog), "--kb", str(shop_copy), "-c", "x"]
    loud, quiet = runner.invoke(cli, args), runner.invoke(cli, [*args, "-q"])
    assert loud.exit_code == quiet.exit_code == 0
    assert loud.stdout == quiet.stdout and len(quiet.stdout.splitlines()) == 3
    errors = [line for line in loud.stderr.splitlines() if line.startswith(f"{backlog}:2: ")]
    assert len(errors) == 1 and len(loud.stderr.splitlines()) > 1  # the error, then a summary
    assert quiet.stderr.splitlines() == errors


BROKEN_ANSWER = "qestions: [hi]\nanswer: x\n"


@pytest.mark.parametrize(
    "args",
    [
        ["suggest", "refund?", "-c", "x"],
        ["render", "one", "-c", "x"],
        ["answers"],
        ["eval"],
    ],
    ids=lambda args: args[0],
)
def test_a_base_that_does_not_load_is_one_line_and_exit_1(
    runner: CliRunner, write_base: WriteBase, args: list[str]
) -> None:
    from replykb import AnswerBaseError, load_answer_base

    root = write_base({"a/one.yaml": BROKEN_ANSWER, "a/two.yaml": "questions: [hi]\n"})
    with pytest.raises(AnswerBaseError) as raised:
        load_answer_base(root)
    first, *others = raised.value.problems
    result = runner.invoke(cli, [*args, "--kb", str(root)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"replykb: error: the answer base {root} does not load: {first} (and {len(others)} "
        f"more); run `replykb check {root}` to see every problem\n"
    )
    assert str(first).startswith(str(root / "a"))


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_is_one_line_unless_debug(
    runner: CliRunner, shop_copy: Path, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    import replykb.loader

    def broken(path: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(replykb.loader, "load_answer_base", broken)
    result = runner.invoke(cli, [*(["--debug"] if debug else []), "answers", str(shop_copy)])
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]
    assert last == (
        "replykb: error: unexpected RuntimeError: disk on fire (a bug in replykb: please "
        "report it with the output of --debug)"
    )
    assert ("Traceback (most recent call last)" in result.stderr) is debug
    assert len(result.stderr.splitlines()) == 1 or debug


def test_answers_lists_every_answer_with_owner_and_review_date(runner: CliRunner) -> None:

    result = runner.invoke(cli, ["answers", str(EXAMPLE_BASE)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "TAGS", "OWNER", "REVIEWED"]
    assert lines[-1] == f"49 answers in {EXAMPLE_BASE}"
    rows = lines[1:-1]
    assert [row.split()[0] for row in rows] == sorted(
        answer.id for answer in load_answer_base(EXAMPLE_BASE).answers
    )
    refund = next(row for row in rows if row.startswith("refund-timing "))
    assert refund.split() == [
        "refund-timing", "When", "a", "refund", "arrives",
        "refunds,returns", "payments-team", "2026-10-01",
    ]  # fmt: skip


def test_answers_json_and_tag_filter(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["answers", "--kb", str(EXAMPLE_BASE), "--tag", "refunds", "--json"]
    )
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert [entry["id"] for entry in listing] == ["refund-method", "refund-timing"]
    timing = listing[1]
    assert timing["title"] == "When a refund arrives"
    assert timing["tags"] == ["refunds", "returns"] and timing["owner"] == "payments-team"
    assert timing["reviewed"] == "2026-10-01"
    assert timing["file"].endswith("returns/refund-timing.yaml")
    text = runner.invoke(cli, ["answers", "--kb", str(EXAMPLE_BASE), "--tag", "refunds"])
    assert text.stdout.splitlines()[-1] == f"2 of 49 answers in {EXAMPLE_BASE}"


@pytest.mark.parametrize(
    ("shell", "words"),
    [
        ("bash", "complete -o nosort -F _replykb_completion replykb"),
        ("zsh", "compdef _replykb_completion replykb"),
        ("fish", "complete --no-files --command replykb"),
    ],
)
def test_shell_completion_scripts(runner: CliRunner, shell: str, words: str) -> None:
    """The README's `eval "$(_REPLYKB_COMPLETE=bash_source replykb)"` line, per shell."""
    result = runner.invoke(
        cli, [], prog_name="replykb", env={"_REPLYKB_COMPLETE": f"{shell}_source"}
    )
    assert result.exit_code == 0
    assert words in result.output


SHOP_CHANNELS = sorted(load_answer_base(SHOP_BASE).settings.channels)


@pytest.mark.parametrize(
    ("words", "env", "expected"),
    [
        ("replykb ch", {}, ["check"]),
        ("replykb check --k", {}, ["--kb"]),
        ("replykb render --kb {shop} re", {}, ["refund-timing", "reset-password"]),
        ("replykb render w", {"REPLYKB_KB": "{shop}"}, ["where-is-my-order"]),
        ("replykb render refund-timing --kb {shop} -c ", {}, ["all", *SHOP_CHANNELS]),
        ("replykb suggest hi --kb {shop} --agent ", {}, ["dev", "paola"]),
        ("replykb render --kb /no/such/base re", {}, []),
    ],
)  # fmt: skip
def test_shell_completion_offers_the_base_names(
    runner: CliRunner, shop_copy: Path, words: str, env: dict[str, str], expected: list[str]
) -> None:
    words = words.replace("{shop}", str(shop_copy))
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    environment = {key: value.replace("{shop}", str(shop_copy)) for key, value in env.items()}
    result = runner.invoke(
        cli,
        [],
        prog_name="replykb",
        env={
            "_REPLYKB_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
            "REPLYKB_KB": None,
            **environment,
        },
    )
    assert result.exit_code == 0, result.output
    offered = [line.split(",", 1)[1] for line in result.output.splitlines() if line]
    assert offered == expected


@pytest.mark.parametrize("flags", [[], ["--json"], ["-q"]], ids=["text", "json", "quiet"])
def test_calibration_on_too_few_out_of_scope_messages_warns_on_stderr(
    runner: CliRunner, shop_copy: Path, flags: list[str]
) -> None:
    result = runner.invoke(cli, ["eval", str(shop_copy), "--calibrate", *flags])
    assert result.exit_code == 0, result.output
    # Last on stderr (after any index build lines), so it is what the user sees last.
    warning = result.stderr.splitlines()[-1]
    assert warning.startswith(
        "replykb: warning: this calibration is not reliable: only 2 out-of-scope messages "
        "(0 answered at this threshold), so up to 78% of new off-topic messages may still "
        "get a confident answer (95% bound); add 48 more (at least 50 in all)"
    )
    if flags == ["--json"]:
        report = json.loads(result.stdout)
        assert report["oos_needed"] == 48 and report["oos_leak_bound"] == pytest.approx(
            0.7764, abs=1e-4
        )
        assert report["goal"] == {"kind": "oos_recall", "minimum": 0.9}
    elif flags == ["-q"]:
        assert re.fullmatch(r"match:\n  threshold: \S+\n  margin: \S+\n", result.stdout)
    else:
        assert "  new off-topic messages answered: at most 78% (95% bound from 2 out-of-scope" in (
            result.stdout
        )


@pytest.mark.parametrize("console", ["text", "github"])
def test_quiet_check_prints_the_findings_without_totals(
    runner: CliRunner, check_bases: dict[str, Path], console: str
) -> None:
    root = check_bases["warnings"]
    env = {"GITHUB_ACTIONS": "true" if console == "github" else None}
    loud = runner.invoke(cli, ["check", str(root)], env=env)
    quiet = runner.invoke(cli, ["check", str(root), "-q"], env=env)
    assert loud.exit_code == quiet.exit_code == 0
    assert f"{root / 'refund.yaml'}:3:1: RKB601 warning answer 'refund'" in quiet.stdout
    assert ("::warning file=" in quiet.stdout) is (console == "github")
    # The same findings, then loud alone goes on with the counts per code and the summary.
    assert loud.stdout.startswith(quiet.stdout) and len(loud.stdout) > len(quiet.stdout)
    assert "(1 answer, 3 questions)" not in quiet.stdout
    assert loud.stdout.rstrip().endswith("(1 answer, 3 questions)")
