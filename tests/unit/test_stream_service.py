"""Exit codes of a stage and the retry policy: a crash is loud, an outage is waited out, setup is bounded."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import elasticsearch
import pytest
from kafka.errors import KafkaTimeoutError

from shared import service
from shared.settings import StageSettings
from shared.stream.guard import TooManyBadEvents
from shared.stream.retry import Outage, Stopped, call_with_retries, is_retriable
from shared.topics import RAW


def run_with(monkeypatch: pytest.MonkeyPatch, exc: BaseException | None) -> int:
    def fake_run_steps(**_kwargs: Any) -> None:
        if exc is not None:
            raise exc

    monkeypatch.setattr(service, "run_steps", fake_run_steps)
    return service.run_stream_stage(stage="t", settings=StageSettings(), source=RAW,
                                    make_steps=lambda _p: [], make_write=lambda _p: lambda items: [])


def test_a_crash_exits_non_zero_with_its_traceback(monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        assert run_with(monkeypatch, KeyError("boom")) == service.EXIT_CRASHED
    crash = [r for r in caplog.records if "crashed" in r.getMessage()]
    assert crash and crash[0].exc_info and "KeyError" in repr(crash[0].exc_info[1])


def test_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_with(monkeypatch, None) == service.EXIT_STOPPED
    assert run_with(monkeypatch, Stopped("asked")) == service.EXIT_STOPPED
    assert run_with(monkeypatch, service.SetupFailed("no broker")) == service.EXIT_SETUP_FAILED
    assert run_with(monkeypatch, TooManyBadEvents("flood")) == service.EXIT_GUARD


def test_setup_gives_up_after_its_timeout() -> None:
    settings = StageSettings(setup_timeout=0.5)

    def unreachable() -> None:
        raise KafkaTimeoutError("no broker")

    started = time.monotonic()
    with pytest.raises(service.SetupFailed, match="unreachable after"):
        service.set_up(unreachable, "t topics", settings, threading.Event())
    assert time.monotonic() - started < 5


def test_setup_does_not_retry_a_missing_model() -> None:
    calls = []

    def missing() -> None:
        calls.append(1)
        raise OSError("[E050] Can't find model 'xx_core'")

    with pytest.raises(OSError):
        service.set_up(missing, "t setup", StageSettings(setup_timeout=30), threading.Event())
    assert calls == [1]


def test_retriable_is_an_explicit_list() -> None:
    assert is_retriable(ConnectionError()) and is_retriable(Outage("503")) and is_retriable(KafkaTimeoutError())
    assert is_retriable(elasticsearch.ConnectionError("down"))
    assert not is_retriable(KeyError("bug")) and not is_retriable(TypeError()) and not is_retriable(ValueError())


def test_retries_outages_until_they_pass_and_raises_bugs_at_once() -> None:
    attempts = {"n": 0}

    def flaky() -> str:
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise ConnectionError("down")
        return "ok"

    assert call_with_retries(flaky, "t", threading.Event(), max_backoff=0.01) == "ok" and attempts["n"] == 3

    def bug() -> None:
        attempts["n"] += 1
        raise TypeError("bug")

    attempts["n"] = 0
    with pytest.raises(TypeError):
        call_with_retries(bug, "t", threading.Event())
    assert attempts["n"] == 1


def test_a_stop_ends_the_retries() -> None:
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()

    def down() -> None:
        raise ConnectionError("down")

    with pytest.raises(Stopped):
        call_with_retries(down, "t", stop)


def test_elasticsearch_answers_are_outages_only_when_they_mean_later() -> None:
    def api_error(status: int) -> elasticsearch.ApiError:
        meta = type("Meta", (), {"status": status})()
        return elasticsearch.ApiError("x", meta, {})  # type: ignore[arg-type]

    assert is_retriable(api_error(429)) and is_retriable(api_error(503)) and is_retriable(api_error(500))
    assert not is_retriable(api_error(400)) and not is_retriable(api_error(404))
