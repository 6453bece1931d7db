"""Grouping the vectors of unanswered messages into topics.

The library uses :func:`agglomerative` (average linkage, cut at a cosine threshold):
it was chosen by measurement (benchmarks/gaps_clinc150.py, figures in the README)
against greedy community detection (sentence-transformers' ``util.community_detection``)
and scikit-learn's HDBSCAN, which live in that benchmark only. Agglomerative clustering
also puts every message in some group, so the small groups can be listed rather than
silently dropped.

Every function takes L2-normalized vectors and returns groups of row numbers, each
sorted, the groups in order of their first row; the result depends only on the
vectors and their order (no randomness).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

Linkage = Literal["average", "complete", "single"]

__all__ = ["Linkage", "agglomerative", "near_any"]


def agglomerative(
    vectors: Vectors, threshold: float, *, linkage: Linkage = "average"
) -> list[list[int]]:
    """Hierarchical clustering: merge the closest groups while their ``linkage``
    similarity (average: the mean cosine between their members) is at least
    ``threshold``."""
    count = len(vectors)
    if count == 0:
        return []
    if count == 1:
        return [[0]]
    # scipy (declared in pyproject) is imported here so that loading the module costs
    # nothing when no gaps are mined.
    from scipy.cluster.hierarchy import fcluster
    from scipy.cluster.hierarchy import linkage as build_tree
    from scipy.spatial.distance import pdist

    distances = np.clip(pdist(np.asarray(vectors, dtype=np.float64), "cosine"), 0.0, 2.0)
    tree = build_tree(distances, method=linkage)
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    return _groups(labels)


def near_any(vectors: Vectors, others: Vectors | None, threshold: float) -> npt.NDArray[np.bool_]:
    """For each row of ``vectors``: whether its cosine with some row of ``others`` is at
    least ``threshold`` (all False when there are no others)."""
    if others is None or len(others) == 0 or len(vectors) == 0:
        return np.zeros(len(vectors), dtype=bool)
    similarity = np.asarray(vectors, dtype=np.float32) @ np.asarray(others, dtype=np.float32).T
    return np.asarray(similarity.max(axis=1) >= threshold, dtype=bool)


def _groups(labels: npt.NDArray[np.int64] | npt.NDArray[np.int32]) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(int(label), []).append(row)
    return sorted(groups.values(), key=lambda rows: rows[0])
