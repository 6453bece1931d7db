"""``python -m replykb``: the same as the ``replykb`` command."""

from .cli import main

main()
