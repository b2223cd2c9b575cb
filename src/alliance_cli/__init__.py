"""alliance-cli: cited, checkable claims about Russia's alliances and partnerships."""

__version__ = "0.1.0"
# When the shipped dataset was last curated against the archived sources.
DATASET_DATE = "2026-11-21"
