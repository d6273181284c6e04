"""geo: news articles to dated, sourced, geocoded events as GeoJSON.

The library behind the dashboard. It never imports streamlit. Modules are cut by concept:
:mod:`geo.errors`, :mod:`geo.model` (the GeoJSON contract), :mod:`geo.names` (folding of
names), :mod:`geo.gazetteer`, :mod:`geo.geocoding`, :mod:`geo.dates`, :mod:`geo.places`,
:mod:`geo.events`, :mod:`geo.ingest`, :mod:`geo.store`, :mod:`geo.mapview`, :mod:`geo.share`,
:mod:`geo.cli`.
"""

from geo.errors import GeoError

__all__ = ["GeoError"]
