"""The stories stage runs as exactly one worker: the local launcher refuses more (the Kubernetes
and compose files are checked in test_deploy_files.py; a second process is fenced, see
tests/integration/test_stories_stage.py)."""

from __future__ import annotations

import pytest

from deploy.local.services import parse_workers


def test_a_second_stories_worker_is_refused_with_the_reason() -> None:
    with pytest.raises(SystemExit, match="stories runs as exactly one worker"):
        parse_workers("enrich=2,stories=2")


def test_one_stories_worker_and_more_of_the_others_are_fine() -> None:
    assert parse_workers("enrich=3,stories=1,clean=2") == {"enrich": 3, "stories": 1, "clean": 2}
