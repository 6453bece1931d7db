"""Matching across languages with the real packaged model: every language's questions
are indexed for their answer, a message matches its own language's questions first,
and the answer is the same whatever the language; a one-language base is unchanged."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from replykb import KnowledgeBase
from replykb.index import (
    MANIFEST,
    IndexManifest,
    QuestionIndex,
    index_key,
    index_rows,
    language_rows,
    row_languages,
)
from replykb.match import LanguageMatchers, Matcher
from replykb.models import LanguageChoice, MatchSettings

BASES = Path(__file__).parent / "fixtures" / "bases"
BILINGUAL = BASES / "bilingual"

# (Italian message, the same in English, the answer both must get), as customers write.
PAIRS = [
    ("nn mi è ancora arrivato il pacco", "my parcel still hasn't arrived", "where-is-my-order"),
    ("ciao dove è il mio ordine??", "hi where is my order??", "where-is-my-order"),
    ("quando mi arriva il rimborso", "when will my refund arrive", "refund-timing"),
    ("come faccio ad annullare l ordine", "how can i cancel the order", "cancel-order"),
    ("nn ricordo la password", "i cant remember my password", "reset-password"),
]


@pytest.fixture(scope="module")
def bilingual_kb(real_embedder, tmp_path_factory) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    return KnowledgeBase.load(
        BILINGUAL, cache_dir=tmp_path_factory.mktemp("bilingual-cache"), embedder=real_embedder
    )


@pytest.fixture(scope="module")
def english_only_kb(real_embedder, tmp_path_factory) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    """The bilingual base with its Italian removed: what an English team had before."""
    root = tmp_path_factory.mktemp("english-only") / "base"
    shutil.copytree(BILINGUAL, root)
    for path in root.rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.pop("translations", None)
        data.pop("languages", None)
        for agent in data.get("agents", {}).values():
            agent.pop("translations", None)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return KnowledgeBase.load(root, cache_dir=root / ".cache", embedder=real_embedder)


@pytest.mark.parametrize(("italian", "english", "answer_id"), PAIRS)
def test_an_italian_message_gets_the_answer_the_english_one_gets(
    bilingual_kb: KnowledgeBase, italian: str, english: str, answer_id: str
) -> None:
    in_italian = bilingual_kb.suggest(italian, channel="x")
    in_english = bilingual_kb.suggest(english, channel="x")
    assert (in_italian.status, in_italian.match.answer_id) == ("confident", answer_id)
    assert (in_english.status, in_english.match.answer_id) == ("confident", answer_id)
    assert in_italian.language is not None and in_italian.language.language == "it"
    assert in_english.language is not None and in_english.language.language == "en"
    assert in_italian.reply is not None and in_italian.reply.language == "it"
    assert in_english.reply is not None and in_english.reply.language == "en"


@pytest.mark.parametrize(("italian", "english", "answer_id"), PAIRS)
def test_an_italian_message_scores_against_the_italian_questions(
    bilingual_kb: KnowledgeBase, italian: str, english: str, answer_id: str
) -> None:
    """With the English-only packaged model an Italian message is nearer Italian
    questions of any answer than English ones: matched among the Italian questions,
    its best answer's score is its nearest Italian question's blend, above every
    English question's cosine."""
    italian_matcher = bilingual_kb.matchers.matcher_for("it")
    assert italian_matcher is not None
    (vector,) = bilingual_kb.embedder.encode([italian])
    assert bilingual_kb.matchers.match(vector, language="it") == italian_matcher.match(vector)
    index = bilingual_kb.index
    languages = np.array(index.row_language)
    cosines = index.vectors @ vector
    assert cosines[languages == "it"].max() > cosines[languages == "en"].max()


def test_every_language_s_questions_are_indexed_for_their_answer(
    bilingual_kb: KnowledgeBase,
) -> None:
    base = bilingual_kb.base
    rows = language_rows(base)
    index = bilingual_kb.index
    assert index.size == len(rows)
    assert index.row_language == tuple(language for _, _, language in rows)
    assert ("where-is-my-order", "dov'è il mio ordine", "it") in rows
    assert ("where-is-my-order", "where is my order", "en") in rows
    for row, (answer_id, _, _) in enumerate(rows):
        assert index.answer_ids[int(index.row_answer[row])] == answer_id
    # delivery-costs has an Italian translation without questions: no Italian row.
    assert {lang for a, _, lang in rows if a == "delivery-costs"} == {"en"}


def test_an_answer_without_questions_in_a_language_keeps_its_source_questions_there(
    bilingual_kb: KnowledgeBase,
) -> None:
    italian = bilingual_kb.matchers.matcher_for("it")
    assert italian is not None
    assert italian.index.answer_ids == bilingual_kb.index.answer_ids
    delivery = italian.index.answer_ids.index("delivery-costs")
    own_rows = np.flatnonzero(italian.index.row_answer == delivery)
    english_vectors = [
        bilingual_kb.index.vectors[row]
        for row, (answer_id, _) in enumerate(index_rows(bilingual_kb.base))
        if answer_id == "delivery-costs"
    ]
    assert np.array_equal(italian.index.vectors[own_rows], np.array(english_vectors))


def test_english_messages_match_as_on_the_english_only_base(
    bilingual_kb: KnowledgeBase, english_only_kb: KnowledgeBase
) -> None:
    """Italian questions added to a base change nothing for English customers."""
    messages = [english for _, english, _ in PAIRS] + [
        "how much does delivery cost",
        "who won the game last night",
        "refund",
    ]
    for message in messages:
        bilingual = bilingual_kb.suggest(message, channel="sms")
        assert bilingual.language is not None and bilingual.language.language == "en"
        alone = english_only_kb.suggest(message, channel="sms").match
        assert (bilingual.status, bilingual.match.answer_id) == (alone.status, alone.answer_id)
        assert [a for a, _ in bilingual.match.candidates] == [a for a, _ in alone.candidates]
        # The same cosines, summed over a smaller matrix: equal to the last float bits.
        for (_, score), (_, expected) in zip(
            bilingual.match.candidates, alone.candidates, strict=True
        ):
            assert score == pytest.approx(expected, abs=2e-6)


def test_an_english_base_keeps_its_rows_its_cache_key_and_its_index(
    real_embedder,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    kb = KnowledgeBase.load(BASES / "shop", cache_dir=tmp_path, embedder=real_embedder)
    rows = index_rows(kb.base)
    assert rows == [(a.id, q) for a in kb.base.answers for q in a.questions]
    assert set(row_languages(kb.base)) == {"en"}
    assert kb.index.row_language == ()
    assert kb.matchers.by_language == {}
    # The key every earlier version wrote: an English base's cache stays valid.
    legacy = json.dumps({"model": real_embedder.model_id, "rows": rows}, ensure_ascii=False)
    expected = hashlib.sha256(legacy.encode("utf-8")).hexdigest()
    assert index_key(rows, real_embedder.model_id, row_languages(kb.base)) == expected
    manifest = IndexManifest.model_validate_json((tmp_path / MANIFEST).read_bytes())
    assert manifest.index_key == expected


def test_a_bilingual_index_is_reused_from_its_cache(
    bilingual_kb: KnowledgeBase, real_embedder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    KnowledgeBase.load(BILINGUAL, cache_dir=tmp_path, embedder=real_embedder)
    caplog.clear()
    with caplog.at_level("INFO", logger="replykb"):
        again = KnowledgeBase.load(BILINGUAL, cache_dir=tmp_path, embedder=real_embedder)
    assert "building the index" not in caplog.text
    assert again.index.row_language == bilingual_kb.index.row_language
    assert np.array_equal(again.index.vectors, bilingual_kb.index.vectors)


# --- the policy on synthetic vectors (a unit test of the matcher alone) ----------------


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _index(rows: list[tuple[str, np.ndarray, str]]) -> QuestionIndex:
    answer_ids = tuple(sorted({a for a, _, _ in rows}))
    return QuestionIndex(
        np.array([v for _, v, _ in rows], dtype=np.float32),
        answer_ids,
        np.array([answer_ids.index(a) for a, _, _ in rows], dtype=np.int32),
        "synthetic",
        row_language=tuple(lang for _, _, lang in rows),
    )


SETTINGS = MatchSettings(threshold=0.8, margin=0.05, centroid_weight=0.0)


def test_other_languages_questions_never_decide() -> None:
    """A message no question of its language (or stand-in source question) is near stays
    no_match, however near another language's question it is."""
    index = _index(
        [
            ("alpha", _unit(1, 0, 0), "en"),
            ("alpha", _unit(0, 1, 0), "it"),
            ("beta", _unit(0, 0, 1), "en"),
            ("beta", _unit(0, 1, 1), "it"),
        ]
    )
    matchers = LanguageMatchers.from_index(index, SETTINGS, source="en")
    query = _unit(1, 0.05, 0)  # near alpha's English question, far from every Italian one
    assert matchers.match(query, language="it").status == "no_match"
    found = matchers.match(query, language="en")
    assert (found.status, found.answer_id) == ("confident", "alpha")
    assert matchers.match(query, language=None) == Matcher.from_index(index, SETTINGS).match(query)
    assert matchers.match(query, language="fr") == matchers.match(query, language=None)


def test_the_message_s_language_decides() -> None:
    index = _index(
        [
            ("alpha", _unit(1, 0, 0), "en"),
            ("alpha", _unit(0, 1, 0.1), "it"),
            ("beta", _unit(0, 1, 0), "en"),
            ("beta", _unit(0, 0, 1), "it"),
        ]
    )
    matchers = LanguageMatchers.from_index(index, SETTINGS, source="en")
    query = _unit(0, 1, 0)
    assert matchers.match(query, language="en").answer_id == "beta"
    assert matchers.match(query, language="it").answer_id == "alpha"


def test_an_unsupported_language_is_matched_with_the_source_s_questions_only() -> None:
    """A message sure to be Spanish on an en+it base is replied to in English: only the
    English questions decide, however near an Italian question it is; an unsure one
    still tries each language's."""
    index = _index(
        [
            ("alpha", _unit(1, 0, 0), "en"),
            ("alpha", _unit(0, 1, 0), "it"),
            ("beta", _unit(0, 0, 1), "en"),
            ("beta", _unit(0, 1, 1), "it"),
        ]
    )
    matchers = LanguageMatchers.from_index(index, SETTINGS, source="en")
    query = _unit(0, 1, 0.05)  # near alpha's Italian question, far from every English one
    unsupported = LanguageChoice(
        language="en",
        detected="es",
        confidence=0.69,
        matched="en",
        reason="fallback-unsupported",
    )
    found, settled = matchers.match_choice(query, unsupported)
    assert found == matchers.match(query, language="en")
    assert found.status == "no_match" and settled == unsupported
    unsure = unsupported.model_copy(update={"matched": None, "reason": "fallback-unsure"})
    found, settled = matchers.match_choice(query, unsure)
    assert (found.status, found.answer_id) == ("confident", "alpha")
    assert (settled.language, settled.reason) == ("it", "matched")


# --- `model:` for a multilingual base: another model by local path or hub name ---------
# A multilingual model (paraphrase-multilingual-MiniLM-L12-v2) cannot be installed here:
# the code paths are exercised with copies of the packaged model that differ from it.


def _model_copy(folder: Path, **bert_config: object) -> Path:
    """The packaged model in ``folder`` (weights linked), its sentence_bert_config.json
    changed by ``bert_config``: another model as far as replykb can tell."""
    from replykb.embed import packaged_model_path

    packaged = packaged_model_path()
    assert packaged is not None
    shutil.copytree(packaged, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    (folder / "model.safetensors").symlink_to(packaged / "model.safetensors")
    settings = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    (folder / "sentence_bert_config.json").write_text(json.dumps({**settings, **bert_config}))
    return folder


def _bilingual_with_model(root: Path, model: str) -> Path:
    base = root / "base"
    shutil.copytree(BILINGUAL, base)
    settings = base / "replykb.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"model: {model}\n", "utf-8")
    return base


def test_a_model_by_local_path_gets_the_fast_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from replykb.embed import resolve_model
    from replykb.onnxmodel import OnnxEmbedder

    _model_copy(tmp_path / "models" / "shorter", max_seq_length=128)
    base = _bilingual_with_model(tmp_path, "../models/shorter")
    first = KnowledgeBase.load(base, cache_dir=tmp_path / "cache")  # builds, then exports
    assert first.index.model_id != resolve_model().model_id  # the packaged model's
    assert first.index.model_id.startswith("sha256:")
    with caplog.at_level("INFO", logger="replykb"):
        again = KnowledgeBase.load(base, cache_dir=tmp_path / "cache")
    assert isinstance(again.embedder, OnnxEmbedder)
    assert again.fast_path_problem is None
    assert "building the index" not in caplog.text
    for italian, english, answer_id in PAIRS:
        found = again.suggest(italian, channel="x")
        assert (found.match.answer_id, found.language.language) == (answer_id, "it")  # type: ignore[union-attr]
        assert found.match.answer_id == first.suggest(italian, channel="x").match.answer_id
        assert again.suggest(english, channel="x").match.answer_id == answer_id


def test_a_model_the_export_cannot_reproduce_falls_back_clearly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from replykb.embed import SentenceTransformerEmbedder

    _model_copy(tmp_path / "lowercasing", do_lower_case=True)
    base = _bilingual_with_model(tmp_path, str(tmp_path / "lowercasing"))
    with caplog.at_level("INFO", logger="replykb"):
        kb = KnowledgeBase.load(base, cache_dir=tmp_path / "cache")
    problem = "it lowercases texts itself (do_lower_case)"
    assert isinstance(kb.embedder, SentenceTransformerEmbedder)
    assert kb.fast_path_problem == problem
    assert f"no fast path for {tmp_path / 'lowercasing'}: {problem}" in caplog.text
    # A later start says it again where a user sees it, and matching works the same.
    again = KnowledgeBase.load(base, cache_dir=tmp_path / "cache")
    assert again.fast_path_problem == problem
    found = again.suggest("NN MI È ANCORA ARRIVATO IL PACCO", channel="x")
    assert (found.match.answer_id, found.language.language) == ("where-is-my-order", "it")  # type: ignore[union-attr]


def test_a_model_by_hub_name_says_why_it_gets_no_fast_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from replykb.cachefiles import FileDigests
    from replykb.embed import resolve_model
    from replykb.fastpath import open_embedder

    name = "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"
    spec = resolve_model(name)
    assert (spec.local_path, spec.model_id) == (None, name)
    with caplog.at_level("INFO", logger="replykb"):
        choice = open_embedder(spec, tmp_path, FileDigests(tmp_path))  # loads nothing yet
    problem = choice.embedder.fast_path_problem  # type: ignore[attr-defined]
    assert problem.startswith("the model is not a local folder")
    assert "huggingface-cli download NAME --local-dir FOLDER" in problem
    assert f"no fast path for {name}: {problem}" in caplog.text


def test_eval_scores_each_language_s_tests_as_suggest_matches_them(
    bilingual_kb: KnowledgeBase,
) -> None:
    from replykb.evaluate import labelled_from_base, score_messages

    items = labelled_from_base(bilingual_kb.base)
    by_message = {item.message: item for item in items}
    for message, expected in [
        ("ancora nessun rimborso per il mio reso", "refund-timing"),
        ("chi ha vinto la partita ieri sera", None),
    ]:
        item = by_message[message]
        assert item.expected == expected
        # Located at the Italian line itself (file:line:column).
        file, line, _ = item.where.rsplit(":", 2)
        assert message in Path(file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    for entry in score_messages(bilingual_kb, items):
        suggested = bilingual_kb.suggest(entry.item.message, channel="sms").match
        assert [a for a, _ in entry.candidates] == [a for a, _ in suggested.candidates]
