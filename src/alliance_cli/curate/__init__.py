"""Curation: checks beyond validation (lint), quote finding, edits of facts files and diffs of datasets."""
