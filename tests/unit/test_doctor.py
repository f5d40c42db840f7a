"""`handover doctor`'s judging on a fake set-up: which line fails, in which words, and what depends on what."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from handover.doctor import (FAIL, OK, SKIP, PoolFacts, WorkerFacts, failed, judge_deployments, judge_work_pool,
                             run_checks)
from handover.scheduler import LeaseState
from handover.settings import Settings

NAMES = ["start-offboarding/start-offboarding", "offboarding/offboarding"]


@dataclass
class FakeProbe:
    """A healthy set-up unless told otherwise; an Exception in a field is raised by its method."""

    url: str = "postgresql://handover@db/handover"
    revision: tuple = ("0002", "0002")
    held: object = field(default_factory=lambda: LeaseState("app1:4242:ab", 21.0))
    prefect_url: str | None = "http://prefect:4200/api"
    health: Exception | None = None
    registered: object = field(default_factory=lambda: dict.fromkeys(NAMES, "handover"))
    pool: object = field(default_factory=lambda: PoolFacts(False, [WorkerFacts("w1", True, "now")]))
    smtp_problem: Exception | None = None

    @staticmethod
    def _give(value):
        if isinstance(value, Exception):
            raise value
        return value

    def database_url(self):
        return self.url

    def revisions(self):
        return self._give(self.revision)

    def lease(self):
        return self._give(self.held)

    def api_url(self):
        return self.prefect_url

    def api_health(self):
        self._give(self.health)

    def deployment_pools(self, names):
        return self._give(self.registered)

    def work_pool(self, name):
        return self._give(self.pool)

    def smtp(self, url):
        self._give(self.smtp_problem)


def _settings(**overrides) -> Settings:
    return Settings(**{"smtp_url": "smtp+starttls://u:p@mail:587", "work_pool": "handover", **overrides})


def _lines(probe: FakeProbe, **settings) -> dict:
    return {c.name: c for c in run_checks(probe, _settings(**settings), NAMES)}


def test_a_healthy_set_up_passes_every_check():
    checks = _lines(FakeProbe())
    assert [c.status for c in checks.values()] == [OK] * 7 and not failed(list(checks.values()))
    assert list(checks) == ["database", "schema", "scheduler", "prefect api", "deployments", "work pool", "smtp"]
    assert "app1:4242:ab" in checks["scheduler"].detail and "w1" in checks["work pool"].detail


def test_an_unreachable_database_fails_and_skips_what_needs_it():
    checks = _lines(FakeProbe(revision=OSError('connection refused\nIs the server running on host "db"?')))
    assert checks["database"].status == FAIL
    assert checks["database"].detail == ("cannot reach the application database postgresql://handover@db/handover "
                                         "(OSError: connection refused)")
    assert "HANDOVER_DATABASE_URL" in checks["database"].fix
    assert checks["schema"].status == checks["scheduler"].status == SKIP
    assert checks["prefect api"].status == OK, "the other checks still run"


@pytest.mark.parametrize("revision, words", [((None, "0002"), "no handover tables"),
                                             (("0001", "0002"), "revision 0001, this release needs 0002")])
def test_a_database_without_the_newest_schema_says_run_init(revision, words):
    checks = _lines(FakeProbe(revision=revision))
    assert checks["schema"].status == FAIL and words in checks["schema"].detail
    assert "handover init" in checks["schema"].fix and checks["scheduler"].status == SKIP


@pytest.mark.parametrize("held, words", [(None, "has ever run"), (LeaseState("app1:99:cd", -75.4), "expired 75 s ago"),
                                         (RuntimeError("no table schedulerlease"), "cannot read the scheduler lease")])
def test_no_live_scheduler_fails(held, words):
    check = _lines(FakeProbe(held=held))["scheduler"]
    assert check.status == FAIL and words in check.detail and "handover scheduler" in check.fix


def test_without_prefect_api_url_nothing_is_shared():
    checks = _lines(FakeProbe(prefect_url=None))
    assert checks["prefect api"].status == FAIL and "PREFECT_API_URL is not set" in checks["prefect api"].detail
    assert checks["deployments"].status == checks["work pool"].status == SKIP


def test_an_unreachable_prefect_server_names_its_url():
    checks = _lines(FakeProbe(health=ConnectionError("All connection attempts failed")))
    assert checks["prefect api"].detail == ("the Prefect server at http://prefect:4200/api does not answer "
                                            "(ConnectionError: All connection attempts failed)")
    assert "prefect server start" in checks["prefect api"].fix
    assert checks["deployments"].status == checks["work pool"].status == SKIP


def test_deployments_missing_or_in_another_pool():
    missing = judge_deployments({NAMES[0]: "handover"}, NAMES, "handover")
    assert missing.status == FAIL and missing.detail == "not registered: offboarding/offboarding"
    assert missing.fix == "run `handover deploy`"
    elsewhere = judge_deployments(dict.fromkeys(NAMES, "old-pool"), NAMES, "handover")
    assert elsewhere.status == FAIL and "offboarding/offboarding in 'old-pool'" in elsewhere.detail
    assert "HANDOVER_WORK_POOL=handover" in elsewhere.fix


def test_a_work_pool_needs_a_live_worker():
    assert "no work pool 'handover'" in judge_work_pool("handover", None).detail
    paused = judge_work_pool("handover", PoolFacts(True, [WorkerFacts("w1", True, "now")]))
    assert paused.status == FAIL and "prefect work-pool resume handover" in paused.fix
    dead = judge_work_pool("handover", PoolFacts(False, [WorkerFacts("w1", False, "2026-11-23 08:00:00+00:00")]))
    assert dead.status == FAIL and "w1 last seen 2026-11-23 08:00:00+00:00" in dead.detail
    assert "prefect worker start --pool handover" in dead.fix
    empty = judge_work_pool("handover", PoolFacts(False, []))
    assert "none ever connected" in empty.detail
    two = judge_work_pool("handover", PoolFacts(False, [WorkerFacts("w2", True, ""), WorkerFacts("w1", True, "")]))
    assert two.status == OK and two.detail == "2 live workers in 'handover': w1, w2"


def test_a_prefect_error_while_reading_the_pool_is_a_failed_line_not_a_crash():
    checks = _lines(FakeProbe(pool=RuntimeError("500 Internal Server Error")))
    assert checks["work pool"].status == FAIL and "500 Internal Server Error" in checks["work pool"].detail


def test_smtp_unset_or_refusing():
    unset = _lines(FakeProbe(), smtp_url=None)["smtp"]
    assert unset.status == FAIL and "HANDOVER_SMTP_URL is not set" in unset.detail
    refused = _lines(FakeProbe(smtp_problem=OSError("cannot connect to mail:587: refused")))["smtp"]
    assert refused.status == FAIL and "cannot connect to mail:587" in refused.detail
    assert _lines(FakeProbe())["smtp"].detail == "the SMTP server accepts a connection and our login"
