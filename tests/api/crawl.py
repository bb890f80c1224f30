"""Real values for the API's path parameters, found by reading the API itself.

Nothing here names a resource: every list the document describes is read to its last page, and
each URL in a body that matches a path of the document (an item's `url`), or each `id` in a list
whose path with `/{name}` is another path, gives a value for that path's parameters. Paths found
that way are read in turn, so nested lists are found too.
"""
from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

PARAM = re.compile(r"\{(\w+)\}")
MAX_READS = 400


def path_pattern(template: str) -> re.Pattern:
    parts = PARAM.split(template)
    regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)" for index, part in enumerate(parts))
    return re.compile(f"^{regex}$")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def real_path_values(client, document: dict) -> dict[str, list[dict]]:
    """For each path with parameters: the parameter values of the real items found, in order found."""
    templates = [path for path, item in document["paths"].items() if "get" in item]
    patterns = {template: path_pattern(template) for template in templates}
    found: dict[str, list[dict]] = defaultdict(list)
    queue = [template for template in templates if not PARAM.search(template)]
    read = set()

    def note(template: str, values: dict) -> None:
        if values not in found[template]:
            found[template].append(values)
            concrete = PARAM.sub(lambda m: str(values[m.group(1)]), template)
            if concrete not in read:
                queue.append(concrete)

    def guesses() -> list[tuple[str, dict]]:
        """Paths no body linked to, with parameters of the same names that other paths' items had."""
        known: dict[str, list[str]] = defaultdict(list)
        for values_list in found.values():
            for values in values_list:
                for name, value in values.items():
                    if value not in known[name]:
                        known[name].append(value)
        made = []
        for template in templates:
            names = PARAM.findall(template)
            if names and not found.get(template) and all(known.get(name) for name in names):
                for index in range(3):
                    values = {name: known[name][min(index, len(known[name]) - 1)] for name in names}
                    made.append((template, values))
        return made

    probes: dict[str, tuple[str, dict]] = {}
    for _round in range(3):
        crawl(queue, read, probes, found, note, patterns, templates, client)
        for template, values in guesses():
            concrete = PARAM.sub(lambda m, v=values: str(v[m.group(1)]), template)
            if concrete not in read:
                probes[concrete] = (template, values)
                queue.append(concrete)
        if not queue:
            break
    return dict(found)


def crawl(queue, read, probes, found, note, patterns, templates, client) -> None:
    while queue and len(read) < MAX_READS:
        path = queue.pop(0)
        if path in read:
            continue
        read.add(path)
        url = path
        while url and len(read) < MAX_READS:
            response = client.get(url, headers={"Accept-Language": "en"})
            if response.status_code != 200 or not response.is_json:
                break
            if url in probes:
                note(*probes.pop(url))
            body = response.get_json()
            for text in _strings(body):
                if "/" not in text:
                    continue
                candidate = urlsplit(text).path
                for template, pattern in patterns.items():
                    if PARAM.search(template) and (match := pattern.match(candidate)):
                        note(template, match.groupdict())
            current = urlsplit(url).path
            items = body.get("data") if isinstance(body, dict) else None
            if isinstance(items, list):
                for template in templates:
                    match = re.fullmatch(re.escape(current) + r"/\{(\w+)\}", template)
                    if match:
                        for item in items:
                            if isinstance(item, dict) and isinstance(item.get("id"), int):
                                note(template, {match.group(1): str(item["id"])})
            url = body.get("next") if isinstance(body, dict) else None
            if url:
                read.add(url)
