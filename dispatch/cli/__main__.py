"""``python -m dispatch.cli``: the ``dispatch`` command."""

from dispatch.cli import main

main()
