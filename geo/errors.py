"""One exception root for the whole library.

Every error the library raises is a :class:`GeoError`. Each child also inherits the
builtin it resembles, so callers that only know ``ValueError`` or ``OSError`` still
catch it. Third-party errors are converted at one boundary with ``raise ... from err``.
Messages carry the bad value and say what to do.
"""

from __future__ import annotations


class GeoError(Exception):
    """Root of every error raised by :mod:`geo`."""


class ValidationError(GeoError, ValueError):
    """Data breaks the GeoJSON contract (see :mod:`geo.model`)."""


class ArticleError(GeoError, ValueError):
    """An article cannot be read or used (empty, binary, too large, bad date)."""


class NotFoundError(GeoError, LookupError):
    """A name is not known to the gazetteer or any geocoder."""


class GeocoderError(GeoError):
    """An online geocoder failed; the chain falls back to the gazetteer."""


class GeocoderUnavailable(GeocoderError, ConnectionError):
    """The geocoding service could not be reached or answered with an error."""


class GeocoderTimedOut(GeocoderError, TimeoutError):
    """The geocoding service did not answer in time."""


class GeocoderQuotaExceeded(GeocoderError):
    """The geocoding service refused for rate or quota (HTTP 429)."""


class StoreError(GeoError, OSError):
    """The data folder cannot be read or written safely."""


class ShareLinkError(GeoError, ValueError):
    """A share-link query parameter is malformed or out of range."""


class ConfigError(GeoError, ValueError):
    """A setting (an environment variable, a command-line option) has a value we cannot use."""
