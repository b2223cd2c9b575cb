"""alliance-cli: cited, checkable claims about Russia's alliances and partnerships.

The Python API (docs/api.md): `alliance_cli.load()` gives the dataset; `.claims(...)` filters it
as the CLI does; `.to_records()` feeds pandas.
"""

__version__ = "0.1.0"

from .api import Claims, Data, claim_record, load  # noqa: E402 - after __version__, which they import
from .errors import AllianceError, NotFoundError, UsageError  # noqa: E402
from .model import Citation, Claim, DatasetInfo, Entity, Licence, Quantity, Source, Treaty  # noqa: E402

__all__ = [
    "AllianceError", "Citation", "Claim", "Claims", "Data", "DatasetInfo", "Entity", "Licence", "NotFoundError",
    "Quantity", "Source", "Treaty", "UsageError", "__version__", "claim_record", "load",
]
