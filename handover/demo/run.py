"""`handover demo`: a sample company, one rep's offboarding, run end to end on a simulated clock; then
two reps leaving together, planned as one team (a dry run).

Everything runs through the real code: the CSV import, the Prefect flows, the outbox, the survey web
page, the evaluation, the team plan. Only the people are simulated (handover/demo/world.py) and the
clock moves a day at a time.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlmodel import func, select

from handover import cases, clock
from handover.db import reset_engines, session_scope
from handover.demo.company import build_company, write_csv
from handover.demo.world import World
from handover.schema import upgrade_schema
from handover.settings import get_settings
from models import Employee, OutboxMessage, Role

START = date(2026, 11, 23)
IMPORT_ORDER = ("employees", "customers", "deals", "contracts", "interactions")


def prepare_home(home: Path) -> Path:
    """A fresh demo folder with its own SQLite database and outbox."""
    folder = (home / "demo").resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["HANDOVER_HOME"] = str(folder)
    os.environ.pop("HANDOVER_DATABASE_URL", None)
    get_settings.cache_clear()
    reset_engines()
    return folder


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=ZoneInfo(get_settings().timezone))


def run_demo(console: Console, err: Console, reps: int = 28, customers: int = 2400, max_days: int = 140) -> int:
    logging.getLogger("prefect").setLevel(logging.WARNING)  # the demo tells its own story; runs are in the UI
    folder = prepare_home(Path(get_settings().home))
    clock.set_now(at_nine(START))
    upgrade_schema()
    company = build_company(reps=reps, customers=customers, today=START)
    files = write_csv(company, folder / "crm-export")
    _import(files, err)
    departing = company.departing_rep_id
    with session_scope() as session:
        hr = session.exec(select(Employee).where(Employee.role == Role.hr)).first()
        leaving = session.get(Employee, departing)
        manager_id = leaving.manager_id
    console.rule(f"[bold]Offboarding {leaving.name} ({departing}), last day {START + timedelta(days=11)}")
    _show_inventory(console, departing)
    case_id, _ = cases.open_case(departing, START + timedelta(days=11), get_settings().default_strategy, hr.id)
    stage = cases.run_case(case_id)
    console.print(f"HR {hr.name} opened case {case_id}; access of {departing} revoked; flow stopped at [bold]{stage}[/bold]")
    _show_plan(console, case_id)
    move = _one_move(case_id)
    status = cases.decide_plan(case_id, by=manager_id, approve=True, moves=move)
    console.print(f"manager {manager_id} {status} the plan, moving {move or 'nothing'}")
    _move_last_meeting(console, case_id)
    return _simulate(console, case_id, max_days, folder)


def _import(files: dict[str, Path], err: Console) -> None:
    from handover.importing.upsert import import_file

    for kind in IMPORT_ORDER:
        report = import_file(files[kind], kind)
        err.print(f"imported {files[kind].name}: {report.summary()}")


def _show_inventory(console: Console, departing: str) -> None:
    from tasks.inventory import collect_inventory, inventory_counts

    with session_scope() as session:
        counts = inventory_counts(collect_inventory(session, [departing]))
    table = Table(*counts.keys(), title="inventory of the departing rep")
    table.add_row(*(str(v) for v in counts.values()))
    console.print(table)


def _show_plan(console: Console, case_id: int) -> None:
    document = cases.plan_document(case_id)
    metrics = document["metrics"]
    tiers: dict[str, int] = {}
    for line in document["assignments"]:
        tiers[line["tier"]] = tiers.get(line["tier"], 0) + 1
    console.print(f"plan v{document['version']} ({document['strategy']}): tiers {tiers}; "
                  f"placed {metrics.get('placed')}, pooled {metrics.get('pooled')}, W {metrics.get('W')}, "
                  f"optimal {metrics.get('optimal')}, gini {metrics.get('gini')}")
    table = Table("customer", "tier", "score", "successor", "why", title="top of the plan")
    for line in document["assignments"][:8]:
        table.add_row(line["customer_id"], line["tier"], f"{line['score']:.0f}", line["successor_id"] or "pool",
                      "; ".join(line["reasons"]))
    console.print(table)


def _one_move(case_id: int) -> dict[str, str]:
    """The manager moves one B customer to the second-choice successor, as managers do."""
    document = cases.plan_document(case_id)
    lines = [a for a in document["assignments"] if a["tier"] == "B" and a["successor_id"]]
    others = sorted({a["successor_id"] for a in document["assignments"] if a["successor_id"]})
    if not lines or len(others) < 2:
        return {}
    first = lines[0]
    return {first["customer_id"]: next(s for s in others if s != first["successor_id"])}


def _simulate(console: Console, case_id: int, max_days: int, folder: Path) -> int:
    world, day = World(), 0
    while day < max_days and cases.case_status(case_id)["status"] == "open":
        day += 1
        clock.set_now(at_nine(START + timedelta(days=day)))
        if not _worth_a_tick(case_id):
            continue
        summary = cases.tick()
        people = world.day()
        follow = summary["follow_up"]
        pool = {f"pool_{k}": v for k, v in summary["pool"].items()}
        events = {k: v for k, v in {**follow, **pool, **people}.items() if v}
        stage = cases.case_status(case_id)["stage"]
        if events or summary["cases"]:
            console.print(f"{clock.today()} · stage {stage:<8} · {events}")
    _epilogue(console, case_id, folder)
    return 0 if cases.case_status(case_id)["status"] == "closed" else 1


def _move_last_meeting(console: Console, case_id: int) -> None:
    """The successor of the last scheduled meeting moves it a working day later (the real `handover meeting
    reschedule` path): its three attendees get an update with the same UID and SEQUENCE 1."""
    from handover.domain.workdays import next_working_day
    from handover.meetings import reschedule
    from models import Meeting, MeetingState

    with session_scope() as session:
        last = session.exec(select(Meeting).where(Meeting.case_id == case_id, Meeting.state == MeetingState.scheduled)
                            .order_by(Meeting.starts_at.desc())).first()
    if last is None:
        return False
    planned = last.starts_at.astimezone(ZoneInfo(get_settings().timezone))
    day = next_working_day(planned.date() + timedelta(days=1), get_settings().country)
    moved = reschedule(case_id, last.customer_id, at=datetime.combine(day, planned.timetz()), by=last.successor_id)
    console.print(f"{clock.today()} · successor {last.successor_id} moves the meeting with {last.customer_id} "
                  f"from {planned:%m-%d %H:%M} to {moved['starts_at']:%m-%d %H:%M}: each attendee gets an update "
                  f"(same UID, SEQUENCE {moved['sequence']})")


def _worth_a_tick(case_id: int) -> bool:
    """The demo skips quiet days to stay short: weekends, and working days with nothing due.

    Mondays always tick (the pool's reclaim rules are checked at least weekly).
    """
    from tasks.revisit import follow_up_due

    today = clock.today()
    if today.weekday() >= 5:
        return False
    with session_scope() as session:
        return (today.weekday() == 0 or bool(cases.due_cases(clock.now())) or bool(follow_up_due(session, clock.now()))
                or _revisits_due_today(session, today))


def _revisits_due_today(session, today) -> bool:
    from models import Revisit

    return session.exec(select(Revisit.id).where(Revisit.done_at.is_(None), Revisit.due_on <= today)).first() is not None


def _epilogue(console: Console, case_id: int, folder: Path) -> None:
    status = cases.case_status(case_id)
    table = Table("stage", "state", "started", "finished", title=f"case {case_id}: stage timeline (simulated clock)")
    for s in status["stages"]:
        table.add_row(s["name"], s["state"], f"{s['started_at']:%Y-%m-%d}" if s["started_at"] else "",
                      f"{s['finished_at']:%Y-%m-%d}" if s["finished_at"] else "")
    console.print(table)
    with session_scope() as session:
        kinds = session.exec(select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind)).all()
    mail = Table("message", "count", title="messages sent")
    for kind, count in sorted(kinds):
        mail.add_row(kind, str(count))
    console.print(mail)
    if status["status"] == "closed":
        _show_report(console, case_id)
    else:
        console.print(f"case {case_id} is still at stage {status['stage']}: run with more --days to reach the evaluation")
    _show_pool(console)
    _show_team_departure(console)
    console.print(f"\nWhere to look:\n  outbox (.eml files): {folder / 'outbox'}\n"
                  f"  database: {get_settings().resolved_database_url}\n"
                  f"  report: HANDOVER_HOME={folder} .venv/bin/handover report {case_id} --format html --output report.html\n"
                  f"  Prefect UI: .venv/bin/prefect server start  (then run the demo again with PREFECT_API_URL set)")


def _show_pool(console: Console) -> None:
    """The public pool after the weeks of the case: reclaims by the standing rule, and one claim."""
    from handover.pool import claim, list_pool

    with session_scope() as session:
        pool = list_pool(session)
        reps = session.exec(select(Employee).where(Employee.role == Role.rep, Employee.status == "active")
                            .order_by(Employee.id)).all()
    console.print(f"public pool: {len(pool)} customers (reclaimed after no follow-up, or pooled by a plan)")
    if not pool:
        return
    with session_scope() as session:
        result = claim(session, customer_id=pool[0]["id"], rep_id=reps[-1].id, now=clock.now())
    console.print(f"{reps[-1].name} ({reps[-1].id}) claims {pool[0]['id']} from the pool: {result.message}")


def _team_leaving(session) -> list[str]:
    """The two active reps with the most customers: the pair whose leaving together strains capacity most."""
    from models import Customer

    owners = session.exec(select(Customer.owner_id, func.count()).join(Employee, Employee.id == Customer.owner_id)
                          .where(Employee.role == Role.rep, Employee.status == "active")
                          .group_by(Customer.owner_id).order_by(func.count().desc(), Customer.owner_id).limit(2)).all()
    return [owner for owner, _ in owners]


def _show_team_departure(console: Console) -> None:
    """Two reps leave together: their global plan (a dry run of `offboard E1 E2`), against planning them
    one at a time, which knows nothing of the other leaver."""
    with session_scope() as session:
        pair = _team_leaving(session)
    strategy = get_settings().default_strategy
    console.rule(f"[bold]Team departure: {' and '.join(pair)} leave together (dry run: nothing stored)")
    team = cases.preview_plans(pair, [strategy])[0]
    table = Table("departing rep", "customers", "placed", "pooled", "W", "successors", title=f"one {strategy} plan")
    for rep, part in team["by_departing"].items():
        table.add_row(rep, str(part["placed"] + part["pooled"]), str(part["placed"]), str(part["pooled"]),
                      f"{part['W']:.0f}", str(len(part["per_successor"])))
    console.print(table)
    console.print(f"together: {_strain(team['assignments'], team['metrics'], pair)}")
    alone = [line for rep in pair for line in cases.preview_plans([rep], [strategy])[0]["assignments"]]
    console.print(f"one at a time instead: {_strain(alone, team['metrics'], pair)}")


def _strain(assignments: list[dict], metrics: dict, pair: list[str]) -> str:
    """How many successors get more than their room, and how many customers go to a rep who is leaving."""
    room = {rep: line["free_before"] for rep, line in metrics["per_successor"].items()}
    load: dict[str, int] = {}
    for line in assignments:
        load[line["successor_id"]] = load.get(line["successor_id"], 0) + 1
    over = sorted(rep for rep, count in load.items() if rep in room and count > room[rep])
    names = f" ({', '.join(over[:5])})" if over else ""
    return (f"successors over their room: {len(over)}{names}; customers to a leaver: "
            f"{sum(load.get(rep, 0) for rep in pair)}; to the pool: {load.get(None, 0)}")


def _show_report(console: Console, case_id: int) -> None:
    from rich.markdown import Markdown

    from handover.report import case_document, render_case

    with session_scope() as session:
        console.print(Markdown(render_case(case_document(session, case_id), "md")))
