"""`python -m alliance_cli`: the `alliance` command, for when the entry point is not on PATH."""

from .cli import main

main()
