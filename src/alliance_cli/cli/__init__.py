"""The `alliance` command: parse arguments, call store and query, hand the result to a format.

`common` holds the app and what every command shares; each other module registers a group of
commands on it, in the order `--help` lists them.
"""

from __future__ import annotations

import os  # noqa: F401 - tests patch os functions through this module

from . import lookup  # noqa: F401, I001 - registers the commands, in the order --help lists them
from . import data  # noqa: F401
from .common import app, emit, main, write_stdout
from .output import write_atomically

__all__ = ["app", "emit", "main", "write_atomically", "write_stdout"]
