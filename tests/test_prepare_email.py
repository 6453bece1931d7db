"""E-mails are matched on what the customer wrote now (issue 13 point 4).

The threads are real-looking e-mails as mail clients write them (tests/fixtures/
email_threads/: Gmail, Outlook desktop/web/mobile, Apple Mail, Thunderbird, Yahoo, an
Android app; top-posting, bottom-posting, inline answers, forwards; English, Italian,
French, Spanish, German, Portuguese). ``cases.yaml`` holds the threads the layer over
mail-parser-reply was written against, ``heldout.yaml`` threads written after it, never
used to tune it.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from replykb.prepare.email import MAX_EMAIL_CHARS, PreparedText, prepare_email

THREADS = Path(__file__).parent / "fixtures" / "email_threads"


def _cases(file: str) -> list[tuple[str, dict[str, object]]]:
    cases = yaml.safe_load((THREADS / file).read_text(encoding="utf-8"))
    return sorted(cases.items())


CASES = _cases("cases.yaml") + _cases("heldout.yaml")


def thread(name: str) -> str:
    return (THREADS / f"{name}.txt").read_text(encoding="utf-8")


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_the_text_used_is_what_the_customer_wrote_now(name: str, case: dict[str, object]) -> None:
    prepared = prepare_email(thread(name))

    # Exactly the expected lines in order; a sign-off line the case allows ("Grazie", a
    # bare name) may stay, nothing else: no quoted line, header, signature or notice.
    allowed = set(case.get("may_keep") or [])  # type: ignore[call-overload]
    kept = [line for line in lines(prepared.text_used) if line not in allowed]
    assert kept == lines(str(case["expect"])), prepared.text_used
    assert prepared.fell_back is bool(case.get("fell_back", False))
    assert (prepared.note is not None) is prepared.fell_back


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_what_was_removed_is_listed_with_its_kind(name: str, case: dict[str, object]) -> None:
    prepared = prepare_email(thread(name))

    kinds = {part.kind for part in prepared.stripped}
    assert set(case["stripped"]) <= kinds  # type: ignore[call-overload]
    # Nothing is lost: every character of the e-mail is either used or listed as removed.
    # Aside: spaces (wrapped attribution lines are joined, blank lines tidied), the ">"
    # of a quote used when falling back, and Outlook's rule of 32 underscores, which
    # mail-parser-reply drops when it reads the text.
    accounted = prepared.text_used + "".join(part.text for part in prepared.stripped)
    missing = _characters(thread(name)) - _characters(accounted)
    assert missing == Counter()


def _characters(text: str) -> Counter[str]:
    text = re.sub(r"(?m)^_{32,}$", "", text)
    return Counter("".join(text.split()).replace(">", ""))


def test_the_issue_thread_is_5000_characters_with_its_question_at_the_end() -> None:
    text = thread("long_thread_en")
    prepared = prepare_email(text)

    assert len(text) >= 5000
    assert prepared.text_used.endswith(
        "how long does it take\nfor the refund to reach my card once you have received the "
        "returned item?"
    )
    assert [part.kind for part in prepared.stripped] == ["signature", "disclaimer", "quote"]
    signature, disclaimer, quote = (part.text for part in prepared.stripped)
    assert signature.startswith("Kind regards,\n\nMargaret Ellison")
    assert disclaimer.startswith("Please consider the environment")
    assert disclaimer.endswith("number OC123456.")
    assert quote.startswith("From: Fernhill Customer Care <care@fernhill.example>\nSent:")
    assert quote.endswith("any time.")


@pytest.mark.parametrize(
    ("name", "subject", "what"),
    [
        ("forward_only_en", "Payment declined for order 40410", "forwarded"),
        ("forward_only_it", "Pagamento rifiutato per l'ordine 40410", "forwarded"),
        ("quote_only_en", None, "quoted"),
    ],
)
def test_an_email_with_no_text_of_its_own_is_matched_on_the_message_it_carries(
    name: str, subject: str | None, what: str
) -> None:
    prepared = prepare_email(thread(name))

    assert prepared.fell_back
    assert prepared.note == f"the e-mail has no text of its own: matched on the {what} message"
    if subject is not None:
        assert prepared.text_used.startswith(f"{subject}\n\n")
    assert not any(
        line.startswith((">", "From:", "Da:", "Date:")) for line in lines(prepared.text_used)
    )


def test_a_reply_of_only_a_mobile_signature_falls_back_to_the_quoted_message() -> None:
    prepared = prepare_email(
        "Sent from my iPhone\n\nOn 1 Mar 2025, at 10:00, Fernhill <care@fernhill.example> "
        "wrote:\n> Is the parcel there yet?"
    )

    assert prepared.text_used == "Is the parcel there yet?"
    assert prepared.fell_back
    assert [part.kind for part in prepared.stripped] == ["signature", "quote"]


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("", []),
        ("  \n\n \t", []),
        ("--\nMark Stevens", ["signature"]),
        ("Sent from my iPhone", ["signature"]),
        ("Inviato da iPhone", ["signature"]),
        ("\n\nInviato dal mio iPhone\n", ["signature"]),
        ("Von meinem iPhone gesendet", ["signature"]),
    ],
)
def test_an_email_of_nothing_but_a_signature_leaves_nothing_to_match(
    text: str, stripped: list[str]
) -> None:
    # Matched as it came, "Inviato da iPhone" got the app-crash answer: the signature
    # is what the e-mail holds, so there is nothing to match (a no-request no_match).
    prepared = prepare_email(text)

    assert prepared.text_used == ""
    assert not prepared.fell_back
    assert [part.kind for part in prepared.stripped] == stripped
    assert prepared.note is not None and "nothing to match" in prepared.note


def test_line_endings_do_not_matter() -> None:
    text = thread("outlook_desktop_it")

    assert prepare_email(text.replace("\n", "\r\n")) == prepare_email(text)
    assert prepare_email(text.replace("\n", "\r")) == prepare_email(text)


def test_a_long_unwrapped_line_is_kept_whole() -> None:
    # Clients that do not wrap send a paragraph as one line; the patterns see only its
    # start, and the line comes back whole, character for character.
    paragraph = " ".join(f"word{index}" for index in range(600)) + " where is my order?"
    text = (
        f"{paragraph}\n\nOn Mon, 3 Mar 2025 at 14:02, Fernhill <care@fernhill.example> wrote:\n> Hi"
    )

    prepared = prepare_email(text)

    assert prepared.text_used == paragraph
    assert [part.kind for part in prepared.stripped] == ["quote"]


def test_private_use_characters_in_the_input_mean_nothing() -> None:
    # The characters that stand for hidden line ends meanwhile are dropped from the input.
    text = "Refund \ue0000\ue001 please" + " x" * 400 + "\n\nThanks,\nAnna"

    prepared = prepare_email(text)

    assert prepared.text_used.startswith("Refund 0 please x x")
    assert "\ue000" not in prepared.text_used
    assert [part.kind for part in prepared.stripped] == ["signature"]


def test_an_email_over_the_limit_is_read_up_to_it_and_says_so() -> None:
    text = (
        "Where is my order 40012?\n\n"
        + "On Mon, 3 Mar 2025 at 14:02, A <a@b.c> wrote:\n"
        + ("> old text\n" * (MAX_EMAIL_CHARS // 10))
    )

    prepared = prepare_email(text)

    assert prepared.text_used == "Where is my order 40012?"
    assert prepared.note == f"only its first {MAX_EMAIL_CHARS:,} characters were read"


def _crafted(opener: str, word: str, length: int, end: str) -> str:
    line = f"{opener} 1 "
    while len(line) + len(word) + 2 < length:
        line += f"{word} "
    line += end
    return f"{line}\n" * (MAX_EMAIL_CHARS // (len(line) + 1))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_crafted("Am", "schrieb", 300, "x"), id="German attribution, no colon"),
        pytest.param(_crafted("Il giorno", "ha scritto", 199, ":"), id="Italian, colon"),
        pytest.param(_crafted("On", "x", 199, ":"), id="English, colon"),
        pytest.param("On 1 " + "x " * 50_000, id="one long line"),
        pytest.param("\n" * 100_000, id="blank lines"),
        pytest.param("Thanks,\n" * 12_000, id="sign-off lines"),
        pytest.param("> hello there\n" * 7_000, id="quoted lines"),
    ],
)
def test_a_crafted_email_is_prepared_in_bounded_time(text: str) -> None:
    # The library's patterns alone took minutes on some of these (quadratic in a line's
    # length, and in the text's for its signature pattern); with the bounds, about a
    # second at most on 2 busy cores. The limit is generous so that only a regression
    # to the unbounded behaviour fails.
    started = time.perf_counter()
    prepared = prepare_email(text)

    assert time.perf_counter() - started < 15
    assert isinstance(prepared, PreparedText)


# --- matching with the real model (answers/) ---------------------------------------------


def test_the_issue_thread_matches_its_answer_only_once_prepared(example_kb) -> None:  # type: ignore[no-untyped-def]
    # The issue's case: 5,000 characters, the question at the end of the newest text,
    # then a signature, a legal notice and two levels of quoted thread. Matched whole,
    # the model reads its first 256 tokens (question, signature and notice) and no
    # answer is confident; matched on the newest text, it is the refund-timing answer.
    text = thread("long_thread_en")

    whole = example_kb.match(text)
    prepared = example_kb.match(prepare_email(text).text_used)

    assert whole.status != "confident"
    assert (prepared.status, prepared.answer_id) == ("confident", "refund-timing")


def test_the_email_channel_matches_and_says_the_newest_text(example_kb) -> None:  # type: ignore[no-untyped-def]
    text = thread("long_thread_en")

    suggestion = example_kb.suggest(text, channel="email", agent="paola")

    assert suggestion.message == text
    assert suggestion.reply is not None and suggestion.reply.answer_id == "refund-timing"
    assert suggestion.prepared == prepare_email(text)
    assert suggestion.prepared.text_used.startswith("Hello again,")
    # The same e-mail on a channel that is not e-mail is matched whole, as before.
    chat = example_kb.suggest(text, channel="chat")
    assert chat.prepared is None
    assert chat.match == example_kb.match(text)
    assert chat.reply is None


def test_a_channel_built_on_the_email_family_is_prepared_too(example_kb) -> None:  # type: ignore[no-untyped-def]
    from replykb import KnowledgeBase
    from replykb.models import Channel

    settings = example_kb.base.settings
    helpdesk = Channel(family="email", format="html")
    base = example_kb.base.model_copy(
        update={
            "settings": settings.model_copy(
                update={"channels": {**settings.channels, "helpdesk": helpdesk}}
            )
        }
    )
    kb = KnowledgeBase(base, example_kb.embedder, example_kb.index)
    text = thread("gmail_top_en")

    suggestion = kb.suggest(text, channel="helpdesk")

    assert suggestion.prepared == prepare_email(text)
    assert suggestion.reply is not None and suggestion.reply.answer_id == "refund-timing"


@pytest.mark.parametrize("channel", ["chat", "sms", "x", "facebook"])
def test_other_channels_match_the_message_as_it_came(example_kb, channel) -> None:  # type: ignore[no-untyped-def]
    # A chat line that quotes with "> " and signs off: nothing is cut.
    message = "> where is my refund\nstill nothing after 10 days!!\n\nThanks,\nTom"

    suggestion = example_kb.suggest(message, channel=channel)

    assert suggestion.prepared is None
    assert suggestion.match == example_kb.match(message)


def test_every_door_prepares_an_email_the_same_way(example_kb) -> None:  # type: ignore[no-untyped-def]
    from replykb.batch import result_row
    from replykb.triage_models import TriageResult

    names = ["long_thread_en", "forward_only_en", "thunderbird_bottom_en", "gmail_top_it"]
    requests = [{"message": thread(name), "channel": "email", "id": name} for name in names]

    results = list(example_kb.suggest_many(requests, batch_size=3))

    for request, result in zip(requests, results, strict=True):
        assert isinstance(result, TriageResult), result
        single = example_kb.suggest(request["message"], channel="email")
        assert result.suggestion.model_dump_json() == single.model_dump_json()
        prepared = prepare_email(request["message"])
        assert result.suggestion.prepared == prepared
        row = result_row(result)
        assert (row["text_used"], row["fell_back"]) == (prepared.text_used, prepared.fell_back)
    assert [r.suggestion.prepared.fell_back for r in results] == [False, True, False, False]


# --- the HTML part links URLs -----------------------------------------------------------


@pytest.fixture(scope="module")
def example_renderer():  # type: ignore[no-untyped-def]
    from replykb.loader import load_answer_base
    from replykb.render import Renderer

    base = load_answer_base(Path(__file__).parent.parent / "answers")
    return base, Renderer.for_base(base)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (
            "Track it at https://help.fernhill.example/orders?id=4&tab=track.",
            'Track it at <a href="https://help.fernhill.example/orders?id=4&amp;tab=track">'
            "https://help.fernhill.example/orders?id=4&amp;tab=track</a>.",
        ),
        (
            "Go to fernhill.example/returns, then print the label",
            'Go to <a href="https://fernhill.example/returns">fernhill.example/returns</a>, '
            "then print the label",
        ),
        (
            'x.example/"><script>alert(1)</script>',
            '<a href="https://x.example/">x.example/</a>&#34;&gt;&lt;script&gt;alert(1)'
            "&lt;/script&gt;",
        ),
        ("javascript:alert(1) & <b>bold</b>", "javascript:alert(1) &amp; &lt;b&gt;bold&lt;/b&gt;"),
        ("write to care@fernhill.example", "write to care@fernhill.example"),
        (
            "(see https://x.example/a_(b))",
            '(see <a href="https://x.example/a_(b)">https://x.example/a_(b)</a>)',
        ),
    ],
    ids=["query", "bare-domain", "injection", "no-url", "e-mail-address", "parentheses"],
)
def test_urls_become_links_escaped_once(text: str, html: str) -> None:
    from markupsafe import Markup

    from replykb.render.links import link_urls

    linked = link_urls(text)

    assert isinstance(linked, Markup)
    assert str(linked) == html
    assert "&amp;amp;" not in linked
    # HTML a formatter already made is kept as it is: not escaped again, not linked inside.
    made = Markup('<a href="https://x.example/?a=1&amp;b=2">the form</a>')
    assert link_urls(made) is made


def test_the_email_html_part_links_the_answer_urls(example_renderer) -> None:  # type: ignore[no-untyped-def]
    base, renderer = example_renderer

    reply = renderer.render(base.answer("refund-timing"), channel="email", agent="paola")

    assert reply.html is not None
    link = "https://help.fernhill.example/refunds/timing"
    assert link in reply.text and "<a " not in reply.text
    assert f'<a href="{link}">{link}</a>' in reply.html


def test_an_answer_url_with_markup_characters_is_escaped_once_in_the_html_part(
    example_renderer,
) -> None:  # type: ignore[no-untyped-def]
    from replykb.models import Answer

    _, renderer = example_renderer
    answer = Answer(
        id="invoice-link",
        questions=["invoice?"],
        answer="Download it at https://help.fernhill.example/invoice?order=4&fmt=pdf <now>.",
    )

    reply = renderer.render(answer, channel="email", agent="paola")

    assert reply.html is not None
    url = "https://help.fernhill.example/invoice?order=4&amp;fmt=pdf"
    assert f'<a href="{url}">{url}</a> &lt;now&gt;.' in reply.html
    assert "&amp;amp;" not in reply.html
    assert "https://help.fernhill.example/invoice?order=4&fmt=pdf <now>." in reply.text


# --- the command line shows both parts and the text used -----------------------------------

ANSWERS = Path(__file__).parent.parent / "answers"
REFUND_LINK = "https://help.fernhill.example/refunds/timing"


def test_render_on_email_shows_the_text_and_the_html_part() -> None:
    from click.testing import CliRunner

    from replykb.cli import cli

    args = ["render", "refund-timing", "--kb", str(ANSWERS), "-c", "email", "--agent", "paola"]
    shown = CliRunner().invoke(cli, args)
    as_json = CliRunner().invoke(cli, [*args, "--json"])

    assert shown.exit_code == 0, shown.output
    text, html = shown.output.split("--- HTML part ---\n")
    assert f"at {REFUND_LINK}.\n" in text
    assert f'<a href="{REFUND_LINK}">{REFUND_LINK}</a>.</p>' in html
    assert as_json.exit_code == 0, as_json.output
    (reply,) = json.loads(as_json.output)
    assert REFUND_LINK in reply["text"] and "<a " not in reply["text"]
    assert f'<a href="{REFUND_LINK}">' in reply["html"]


def test_suggest_on_email_says_which_text_it_matched(example_kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    import replykb.cli.suggest
    from replykb.cli import cli

    # The session's knowledge base (answers/, real model) instead of loading it again.
    monkeypatch.setattr(replykb.cli.suggest, "load_kb", lambda *_, **__: example_kb)
    text = thread("long_thread_en")
    args = ["suggest", text, "--kb", str(ANSWERS), "-c", "email", "--agent", "paola"]

    shown = CliRunner().invoke(cli, args)
    as_json = CliRunner().invoke(cli, [*args, "--json"])

    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(
        f"[e-mail: matched on its newest text, 491 of {len(text):,} characters; "
        "stripped: signature, disclaimer, quote]\n"
        "[reply in English (en): the message's language (en 1.00)]\n"
        "refund-timing (confident, score 0.65)\n"
    )
    assert "--- HTML part ---" in shown.output
    suggestion = json.loads(as_json.output)
    assert suggestion["prepared"]["text_used"] == prepare_email(text).text_used
    assert suggestion["reply"]["answer_id"] == "refund-timing"
    assert f'<a href="{REFUND_LINK}">' in suggestion["reply"]["html"]
