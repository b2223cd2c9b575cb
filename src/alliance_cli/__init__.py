"""alliance-cli: cited, checkable claims about Russia's alliances and partnerships."""

__version__ = "0.1.0"
