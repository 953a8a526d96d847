"""``newsflow cluster --jsonl``: story ids for articles read in arrival order (state starts empty).

Each input line is ``{"id", "title", "text", "published_at", "source", "language"}`` (optionally
``actors``, ``places``, ``topics``, ``duplicate_of``); each output line is ``{"id", "story_id"}``,
or ``{"line", "id", "error"}`` for a line that cannot be clustered (the run goes on).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from services.stories.logic import ClusterSettings, StoryArticle, StoryClusterer
from shared.errors import InvalidArticle


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "line"
    return f"{where}: {first['msg']}"


def cluster_lines(lines: Iterable[str], settings: ClusterSettings | None = None) -> Iterator[dict[str, Any]]:
    """One output dict per non-blank input line, through :meth:`StoryClusterer.assign`."""
    clusterer = StoryClusterer(settings)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        obj: Any = None
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise InvalidArticle("a line must be a JSON object")
            yield {"id": obj.get("id"), "story_id": clusterer.assign(StoryArticle.model_validate(obj))}
        except ValidationError as exc:
            yield {"line": number, "id": obj.get("id"), "error": _reason(exc)}
        except InvalidArticle as exc:
            yield {"line": number, "id": obj.get("id") if isinstance(obj, dict) else None, "error": exc.reason}
        except ValueError as exc:
            yield {"line": number, "id": None, "error": f"not JSON: {exc}"}
