"""A whole offboarding case driven through real `handover` processes, step by step, on the simulated
clock: offboard → approve → ticks over the following months until the case closes. Steps can be killed
(SIGKILL, see tests/faults/sitecustomize.py) and are then re-run, as an operator would."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from handover import cases, clock
from handover.db import session_scope
from models import OutboxMessage, Revisit
from models.outbox import OutboxStatus
from tests.factories import START
from tests.processes import Cli, Run, SmtpServer

CUSTOMERS_PER_TIER = 3  # 12 customers, handed over in 3 batches of 4
NOTICE_BATCH = "4"
LAST_DAY = "2026-12-04"
TICK_DAYS = (3, 8, 40, 130)  # meetings held and notice; first revisits; surveys; last window closed


@dataclass
class World:
    """The test's database (the `db` fixture), the CLI and the SMTP server its processes use."""

    db: object
    cli: Cli
    smtp: SmtpServer
    customers: list[str]


@dataclass(frozen=True)
class Step:
    args: tuple[str, ...]
    day: float

    @property
    def now(self):
        return START + timedelta(days=self.day)


def case_steps() -> list[Step]:
    """What the people and the scheduler do, in order: HR offboards R0, M1 approves, ticks follow."""
    return ([Step(("offboard", "R0", "--last-day", LAST_DAY, "--by", "HR1"), 0),
             Step(("approve", "1", "--by", "M1"), 1 / 24)]
            + [Step(("tick",), day) for day in TICK_DAYS])


def record_due_revisits() -> None:
    """The successors do their follow-ups (in the test process: not what is being crashed)."""
    with session_scope() as session:
        due = session.exec(select(Revisit).where(Revisit.done_at.is_(None), Revisit.due_on <= clock.today())).all()
    for revisit in due:
        cases.record_revisit(revisit.case_id, revisit.customer_id, by=revisit.successor_id, outcome="ok")


def notices_delivered() -> int:
    """Customer notices no longer waiting for delivery (sent, in doubt or being sent)."""
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "customer_notice", OutboxMessage.status != OutboxStatus.pending)).one()


def refused_after_kill(run: Run, after_kill: bool) -> bool:
    """Re-running `approve` after a kill that came after the decision was committed refuses clearly: the
    decision stands. The case then goes on at the next tick (the scheduler's, within minutes: here a
    `handover tick` at the same moment)."""
    return after_kill and run.args[0] == "approve" and run.code == 2 and "already approved" in run.stderr


@dataclass
class Kill:
    """Kill the process at the k-th point with this label and event (tests/faults/sitecustomize.py)."""

    label: str
    event: str
    k: int
    at: int = -1  # the point's index in the step's calibrated run (-1: k counts from the process start)

    @property
    def spec(self) -> str:
        return f"{self.label}:{self.event}:{self.k}"


def run_step(world: World, step: Step, queue: list[Kill],
             points: list[tuple[str, str]] | None = None) -> tuple[list[Run], list[Kill], list[Kill]]:
    """Run a step, killed at each kill of ``queue`` in turn, re-run after each kill until it ends.

    A kill's count is taken from the step's calibrated ``points`` between the previous kill and its own
    point (a re-run skips what was committed before); a kill on a customer notice on the wire counts the
    notices not yet delivered (the k-th notice of the day). Returns the step's runs, the kills that happened
    and those its runs no longer reached."""
    runs, done, queue, args, previous = [], [], list(queue), step.args, -1
    while True:
        kill = queue.pop(0) if queue else None
        if kill is not None and kill.event == "smtp-notice":
            kill = Kill(kill.label, kill.event, max(1, kill.k - notices_delivered()), kill.at)
        elif kill is not None and kill.at >= 0 and points is not None:
            since = points[previous + 1:kill.at + 1].count((kill.label, kill.event))
            kill = Kill(kill.label, kill.event, max(1, since), kill.at)
        run = world.cli.run(*args, now=step.now, kill=kill.spec if kill else "")
        runs.append(run)
        print(f"day {step.day:g} {' '.join(args)}: kill at {kill.spec if kill else '-'} -> exit {run.code}")
        if run.killed:
            assert kill is not None, run.explain()
            done.append(kill)
            previous = max(previous, kill.at)
        elif refused_after_kill(run, bool(done)):
            args = ("tick",)
            queue[:0] = [kill] if kill else []
        else:
            assert run.code == 0, run.explain()
            return runs, done, ([kill] if kill else []) + queue


def drive(world: World, planned: dict[int, list[Kill]] | None = None,
          calibration: list[list[tuple[str, str]]] | None = None,
          rng: random.Random | None = None) -> tuple[list[list[tuple[str, str]]], list[tuple[int, Kill, Run]]]:
    """Run the case's steps with the planned kills (none: a calibration run).

    A planned kill that a step's re-run no longer reaches moves to the next step (to a point of the same
    label there when it has one); on the last step, to its own re-run. Returns the points of each step's
    first run and the kills that happened."""
    queues = {i: list(kills) for i, kills in (planned or {}).items()}
    steps, first_points, kills = case_steps(), [], []
    for i, step in enumerate(steps):
        clock.set_now(step.now)
        runs, done, missed = run_step(world, step, sorted(queues.get(i, []), key=in_order),
                                      calibration[i] if calibration else None)
        while missed and i + 1 == len(steps):
            again = [replacement(k, runs[-1].points, rng) for k in missed]
            more, done_again, missed = run_step(world, step, again, runs[-1].points)
            runs, done = runs + more, done + done_again
        if missed:
            queues.setdefault(i + 1, []).extend(replacement(k, calibration[i + 1], rng) for k in missed)
        kills += [(i, kill, run) for kill, run in zip(done, [r for r in runs if r.killed])]
        first_points.append(runs[0].points)
        record_due_revisits()
    return first_points, kills


def in_order(kill: Kill) -> tuple:
    """Kills of a step in the order of their points, except that the notices on the wire come first among
    the mail kills: the mail before them may be fewer than calibrated (an earlier re-run delivered some)."""
    return kill.label == "mail", kill.event != "smtp-notice", kill.at


def replacement(kill: Kill, points: list[tuple[str, str]], rng: random.Random) -> Kill:
    same = [j for j, point in enumerate(points) if point[0] == kill.label] or list(range(len(points)))
    return kill_at(points, rng.choice(same))


def kill_at(points: list[tuple[str, str]], j: int) -> Kill:
    """The kill at point j of a run's points."""
    label, event = points[j]
    return Kill(label, event, points[:j + 1].count((label, event)), j)
