"""The command line, ``python -m geo ...``: a thin shell over the library.

Each command parses its arguments, calls the core and prints GeoJSON; a :class:`GeoError`
becomes a one-line message on stderr and a non-zero exit (1; argparse's usage errors exit 2).

Commands of this module: ``geocode NAME...`` and ``validate FILE...``. Other modules add theirs
without editing this file: list the command in :data:`PLUGIN_COMMANDS` with the module that
defines ``register_cli(parser: argparse.ArgumentParser) -> None``; that function adds the
command's arguments and ``parser.set_defaults(func=handler)`` where ``handler(args) -> int``.
A plugin module is only imported when its command runs (or for ``--help``), so that slow
imports do not slow down the other commands.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from geo.errors import GeoError
from geo.model import PLACE_KINDS, feature_collection

__all__ = ["PLUGIN_COMMANDS", "build_parser", "main"]

# command -> (module defining register_cli, one-line help)
PLUGIN_COMMANDS: dict[str, tuple[str, str]] = {
    "places": ("geo.places", "list the place mentions of an article"),
    "extract": ("geo.events", "extract dated, located events from an article"),
    "ingest": ("geo.ingest", "add articles to the data folder"),
}


def _dump(obj: Any, out: TextIO, indent: int | None) -> None:
    out.write(json.dumps(obj, ensure_ascii=False, indent=indent) + "\n")


def _cmd_geocode(args: argparse.Namespace) -> int:
    from geo.geocoding import GeocodingSettings, make_geocoder

    settings = GeocodingSettings.from_env()
    if args.online:
        settings.online = True
    if args.domain:
        settings.domain = args.domain
    if args.scheme:
        settings.scheme = args.scheme
    chain = make_geocoder(settings)
    features, missing = [], []
    for name in args.names:
        place = chain.geocode(name, kind=args.kind)
        if place is None:
            missing.append(name)
        else:
            features.append(place.to_feature())
    for warning in chain.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if features:
        out = features[0] if len(args.names) == 1 else feature_collection(features)
        _dump(out, sys.stdout, args.indent)
    if missing:
        where = "the gazetteer or the online geocoder" if chain.online else "the gazetteer (try --online)"
        for name in missing:
            print(f"error: {name!r} is not known to {where}", file=sys.stderr)
        return 1
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from geo.store import read_collection

    failed = 0
    for path in args.files:
        try:
            collection = read_collection(path, missing_ok=False)
        except GeoError as err:
            print(f"error: {err}", file=sys.stderr)
            failed += 1
            continue
        kinds: dict[str, int] = {}
        for feature in collection["features"]:
            kind = feature["properties"]["feature_kind"]
            kinds[kind] = kinds.get(kind, 0) + 1
        summary = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items())) or "empty"
        print(f"{path}: ok ({summary})")
    return 1 if failed else 0


def _add_geocode(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "geocode",
        help="print where a place name is, as GeoJSON",
        description="One GeoJSON Feature for one name, a FeatureCollection for several. Offline (the "
        "embedded gazetteer) unless --online or GEO_ONLINE=1.",
    )
    p.add_argument("names", nargs="+", metavar="NAME", help="place names in any spelling (Lachin, Laçın, Berdzor)")
    p.add_argument("--kind", choices=sorted(PLACE_KINDS), help="the kind of place meant (e.g. district for 'Lachin region')")
    p.add_argument("--online", action="store_true", help="also ask the online geocoder (Nominatim by default)")
    p.add_argument("--domain", help="geocoder host[:port] (default: the service's own; env GEO_NOMINATIM_DOMAIN)")
    p.add_argument("--scheme", choices=("http", "https"), help="geocoder URL scheme (env GEO_NOMINATIM_SCHEME)")
    p.add_argument("--indent", type=int, default=1, help="JSON indentation (default 1)")
    p.set_defaults(func=_cmd_geocode)


def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check GeoJSON files against the data contract",
        description="Each FILE must be a FeatureCollection of place/event features (see geo/model.py).",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="GeoJSON files to check")
    p.set_defaults(func=_cmd_validate)


def _load_plugin(sub: argparse._SubParsersAction, name: str) -> None:
    module_name, help_text = PLUGIN_COMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return
    register = getattr(module, "register_cli", None)
    if register is None:
        return
    parser = sub.add_parser(name, help=help_text, description=help_text)
    register(parser)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; plugin commands are loaded only when *argv* asks for them (or for help)."""
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description="News articles about Nagorno-Karabakh to dated, sourced, geocoded events (GeoJSON).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_geocode(sub)
    _add_validate(sub)
    words = [a for a in (argv or []) if not a.startswith("-")]
    wanted = words[:1] if words and words[0] in PLUGIN_COMMANDS else ([] if words else list(PLUGIN_COMMANDS))
    for name in wanted:
        _load_plugin(sub, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except GeoError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `python -m geo geocode ... | head`
        return 0
