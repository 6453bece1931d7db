"""Model resolution and the real embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from replykb import ModelError, embed
from replykb.embed import PACKAGED_MODEL_SHA256, resolve_model


def test_packaged_model_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLYKB_MODEL", raising=False)
    spec = resolve_model()
    assert spec.local_path is not None and spec.local_path.name == "model"
    assert spec.weights_sha256 == PACKAGED_MODEL_SHA256
    assert spec.config_sha256 is not None
    assert spec.model_id == f"sha256:{PACKAGED_MODEL_SHA256}+config:{spec.config_sha256[:16]}"


def test_packaged_weights_mismatch_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"not the real weights")
    monkeypatch.delenv("REPLYKB_MODEL", raising=False)
    monkeypatch.setattr(embed, "packaged_model_path", lambda: tmp_path)
    with pytest.raises(ModelError, match=r"expected 53aa5117.*force-reinstall"):
        resolve_model()


def test_settings_beat_environment_beat_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    monkeypatch.setenv("REPLYKB_MODEL", "some-org/env-model")
    assert resolve_model().source == "some-org/env-model"
    assert resolve_model("my-model", base_root=tmp_path).local_path == folder.resolve()
    assert resolve_model(str(folder)).origin == "replykb.yaml `model:`"


@pytest.mark.parametrize(
    ("choice", "words"), [("./nowhere", "does not exist"), ("empty", "holds no model weights")]
)
def test_bad_local_model_is_an_error(tmp_path: Path, choice: str, words: str) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match=words):
        resolve_model(choice, base_root=tmp_path)


def test_real_embeddings_are_normalized_and_meaningful(real_embedder) -> None:  # type: ignore[no-untyped-def]
    vectors = real_embedder.encode(
        ["where is my refund", "when do I get my money back", "the sky is blue"]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_weights_digest_can_come_from_a_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLYKB_MODEL", raising=False)
    seen: list[Path] = []

    def remembered(path: Path) -> str:
        seen.append(path)
        return PACKAGED_MODEL_SHA256

    assert resolve_model(sha256=remembered) == resolve_model()
    assert [path.name for path in seen] == ["model.safetensors"]
