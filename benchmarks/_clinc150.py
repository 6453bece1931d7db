"""CLINC150 (Larson et al., 2019), the data set the benchmarks measure matching and speed on.

It is not shipped with replykb (2.5 MB, CC BY 3.0): download ``data_full.json`` once and
pass its path. A missing or wrong file ends the benchmark with the download location,
never with a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

DOWNLOAD_PAGE = "https://github.com/clinc/oos-eval"
DOWNLOAD_URL = "https://raw.githubusercontent.com/clinc/oos-eval/master/data/data_full.json"
FILE_NAME = "data_full.json"
SPLITS = ("train", "val", "test", "oos_train", "oos_val", "oos_test")
HELP = f"path to CLINC150's {FILE_NAME} (from {DOWNLOAD_PAGE}, data/{FILE_NAME})"

Clinc150 = dict[str, list[list[str]]]


def _fail(message: str) -> NoReturn:
    print(
        f"{message}\n"
        f"CLINC150 is not shipped with replykb. Download {FILE_NAME} from {DOWNLOAD_PAGE} "
        f"(the file data/{FILE_NAME}), for example:\n"
        f"  curl -LO {DOWNLOAD_URL}\n"
        f"then pass its path: python {Path(sys.argv[0]).as_posix()} {FILE_NAME}",
        file=sys.stderr,
    )
    sys.exit(2)


def load_clinc150(path: Path) -> Clinc150:
    """The splits of ``data_full.json``: ``[[text, intent], ...]`` per split name."""
    if path.is_dir():
        path = path / FILE_NAME
    if not path.is_file():
        _fail(f"benchmark: no CLINC150 file at {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        _fail(f"benchmark: {path} is not CLINC150's {FILE_NAME} ({error})")
    missing = [split for split in SPLITS if not isinstance(data, dict) or split not in data]
    if missing:
        _fail(f"benchmark: {path} is not CLINC150's {FILE_NAME} (no {', '.join(missing)} split)")
    return data  # type: ignore[no-any-return]
