"""``python -m parkmap.cli``: the command line."""

from parkmap.cli import main

main()
