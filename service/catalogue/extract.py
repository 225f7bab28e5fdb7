"""A Babel extractor for the form schemas (``processes/forms/*.json``, babel.cfg): a form's and its
fields' Chinese titles and choice labels are msgids, so the English comes from the catalogue rather
than from ``x-title-en`` keys in each schema."""
from __future__ import annotations

import json
from typing import IO, Any, Iterator


def words(schema: Any) -> Iterator[str]:
    """Every title and choice label of a JSON Schema, depth first."""
    if isinstance(schema, dict):
        if isinstance(schema.get("title"), str) and schema["title"]:
            yield schema["title"]
        labels = schema.get("x-enum-labels")
        if isinstance(labels, dict):
            yield from (v for v in labels.values() if isinstance(v, str) and v)
        for key, value in schema.items():
            if key not in ("title", "x-enum-labels", "x-enum-labels-en", "x-title-en", "enum", "const", "default"):
                yield from words(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from words(item)


def extract_form_words(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
                       ) -> Iterator[tuple[int, str, str, list[str]]]:
    for text in words(json.load(fileobj)):
        yield 1, "_", text, []
