"""RKB710: a folder of templates/ named for a language that replies never read (wrong
case, a locale, an unlisted language) is reported instead of silently ignored."""

from __future__ import annotations

import pytest

from replykb.checks.formats import format_text

from .check_helpers import assert_one_at, bilingual_base, check, found, language_findings
from .conftest import WriteBase

INVITE = "{{ invitation }}\n"


@pytest.mark.parametrize(
    ("folder", "contains", "hint"),
    [
        (
            "IT",
            ["`templates/IT/`", "replies in Italian (it) read `templates/it/`"],
            "to `templates/it/`",
        ),
        ("it_IT", ["`templates/it_IT/`", "read `templates/it/`"], "to `templates/it/`"),
        ("it-IT", ["`templates/it-IT/`"], "to `templates/it/`"),
        ("fr", ["`languages:` does not list French (fr) (en, it)"], "add fr to `languages:`"),
        ("FR", ["does not list French (fr)", "its lowercase code (`fr`)"], "add fr"),
        ("pt-BR", ["does not list Portuguese (pt)"], "remove `templates/pt-BR/`"),
    ],
)
def test_rkb710_language_folder_replies_never_read(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, folder: str, contains: list[str], hint: str
) -> None:
    root = bilingual_base(
        write_base,
        **{
            f"templates/{folder}/private_invite.j2": INVITE,
            f"templates/{folder}/sms.j2": "{{ body }}\n",
        },
    )
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB710",
        root,
        f"templates/{folder}/private_invite.j2",
        "{{ invitation }}",
        contains=["2 templates: private_invite.j2, sms.j2", "is never used", *contains],
    )
    assert hint in (finding.hint or "")
    assert report.failed()


@pytest.mark.parametrize(
    "files",
    [
        {"templates/it/private_invite.j2": INVITE},  # the listed language, as listed
        {"templates/en/private_invite.j2": INVITE},  # the source's own folder
        {"templates/partials/footer.j2": "Acme\n"},  # not named like a language
        {  # a folder the base's templates include
            "templates/IT/footer.j2": "Acme\n",
            "templates/sms.j2": '{{ body }} {% include "IT/footer.j2" %}\n',
        },
    ],
    ids=["it", "source", "partials", "included"],
)
def test_rkb710_not_for_folders_that_are_read(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, files: dict[str, str]
) -> None:
    root = bilingual_base(write_base, **files)
    report = check(root, real_embedder)
    assert found(report, "RKB710") == [], format_text(report)
    assert language_findings(report) == [], format_text(report)


# --- RKB711 ------------------------------------------------------------------------

STOP_SMS = "{{ opening }} {{ body }}\n{{ agent.signature }}\nReply STOP to opt out\n"


@pytest.mark.parametrize(
    ("name", "text", "needle", "shown"),
    [
        ("sms.j2", STOP_SMS, "Reply STOP", "'Reply STOP to opt out' of `templates/sms.j2`"),
        (
            "email.html.j2",
            '<p>{{ opening }}</p>\n{{ body }}\n<p style="color: grey">Kind regards,</p>\n',
            "Kind regards",
            "'Kind regards,' of `templates/email.html.j2`",
        ),
    ],
    ids=["sms-footer", "html-sign-off"],
)
def test_rkb711_base_template_words_sent_in_italian_replies(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, name: str, text: str, needle: str, shown: str
) -> None:
    # R1-17: the renderer falls back from templates/it/<name> to templates/<name> (by
    # design); the template's literal English then ends every Italian reply.
    root = bilingual_base(write_base, **{f"templates/{name}": text})
    report = check(root, real_embedder)
    finding = assert_one_at(
        report,
        "RKB711",
        root,
        f"templates/{name}",
        needle,
        contains=[
            shown,
            f"is sent in Italian (it) replies too (there is no `templates/it/{name}`)",
        ],
    )
    assert f"write `templates/it/{name}` in Italian (it)" in (finding.hint or "")
    assert report.failed()


@pytest.mark.parametrize(
    "files",
    [
        {"templates/sms.j2": "{{ opening }} {{ body }}\n{{ agent.signature }}\n"},  # no words
        {"templates/sms.j2": "{{ body }} - Acme\n{# an English comment #}\n"},  # the brand
        {
            "templates/sms.j2": STOP_SMS,
            "templates/it/sms.j2": STOP_SMS.replace(
                "Reply STOP to opt out", "Rispondi STOP per non ricevere altri messaggi"
            ),
        },
        {"templates/sms.j2": "{{ body }}\nAcme <https://acme.example/stop> help@acme.example\n"},
    ],
    ids=["jinja-only", "brand-and-comment", "italian-template-given", "addresses"],
)
def test_rkb711_not_for_templates_without_words_or_with_their_translation(  # type: ignore[no-untyped-def]
    write_base: WriteBase, real_embedder, files: dict[str, str]
) -> None:
    root = bilingual_base(write_base, **files)
    report = check(root, real_embedder)
    assert found(report, "RKB711") == [], format_text(report)
