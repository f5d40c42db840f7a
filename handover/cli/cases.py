"""Commands of the procedure: offboard, plan, approve, status, cases, revisit, tick."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer
from rich.table import Table

from handover import cases
from handover.acting import actor_id, require
from handover.cli.app import app, err, out, print_json
from handover.errors import HandoverError
from handover.settings import get_settings
from handover.views import cases as case_views

Json = Annotated[bool, typer.Option("--json", help="print one JSON document on stdout")]
By = Annotated[str, typer.Option("--by", help="the employee id of the person acting (default: HANDOVER_USER)")]


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HandoverError(f"{option} {value!r}: expected a date YYYY-MM-DD") from None


@app.command()
def offboard(
    employee_ids: Annotated[list[str], typer.Argument(help="the departing rep's employee id; several reps leaving "
                                                           "together are planned as one team")],
    last_day: Annotated[str, typer.Option("--last-day", help="last working day, YYYY-MM-DD")],
    by: Annotated[str, typer.Option("--by", help="HR or admin starting the case (default: HANDOVER_USER)")] = "",
    strategy: Annotated[Optional[str], typer.Option(help="allocation strategy")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="plan only, store nothing")] = False,
    compare: Annotated[Optional[str], typer.Option(help="with --dry-run: strategies side by side, comma-separated")] = None,
    json: Json = False,
) -> None:
    """Start the offboarding of one rep, or of several leaving together, and run it up to the managers' approval."""
    day = _day(last_day, "--last-day")
    chosen = strategy or get_settings().default_strategy
    if dry_run or compare:
        strategies = [s.strip() for s in compare.split(",")] if compare else [chosen]
        previews = case_views.dry_run(by, employee_ids, strategies, exported=json)
        print_json(previews if compare else previews[0]) if json else _show_previews(previews)
        return
    opened = cases.open_cases(employee_ids, day, chosen, actor_id(by))
    for case_id, employee_id, created in opened:
        err.print(f"case {case_id} {'opened' if created else 'already open'} for {employee_id}")
    reached = cases.run_cases([case_id for case_id, _, _ in opened])
    if len(reached) == 1:
        case_id, stage = next(iter(reached.items()))
        print_json({"case_id": case_id, "stage": stage}) if json else out.print(f"case {case_id}: stage {stage}")
        return
    team = [{"case_id": c["case_id"], "employee_id": c["employee_id"], "team_key": c["team_key"], "stage": c["stage"]}
            for c in map(cases.case_status, reached)]
    print_json({"team_key": team[0]["team_key"], "cases": team}) if json else _show_team(team)


def _show_team(team: list[dict]) -> None:
    table = Table("case", "employee", "stage", title=f"team departure {team[0]['team_key']}: one plan for all")
    for c in team:
        table.add_row(str(c["case_id"]), c["employee_id"], c["stage"])
    out.print(table)


def _show_previews(previews: list[dict]) -> None:
    table = Table("strategy", "placed", "pooled", "W", "of optimum", "gini", title="dry run: nothing stored")
    for p in previews:
        m = p["metrics"]
        table.add_row(p["strategy"], str(m.get("placed")), str(m.get("pooled")), f"{m.get('W', 0):.0f}",
                      f"{m.get('ratio_to_optimum', 1):.3f}" if m.get("ratio_to_optimum") is not None else "-",
                      f"{m.get('gini', 0):.3f}" if m.get("gini") is not None else "-")
    out.print(table)
    if "by_departing" in previews[0]:
        _show_parts(previews[0])
    if len(previews) == 1:
        _show_assignments(previews[0]["assignments"][:40])


def _show_parts(preview: dict) -> None:
    table = Table("departing rep", "placed", "pooled", "W", "successors",
                  title=f"{preview['strategy']}: one plan for {', '.join(preview['employee_ids'])}, per departing rep")
    for rep, part in preview["by_departing"].items():
        table.add_row(rep, str(part["placed"]), str(part["pooled"]), f"{part['W']:.0f}",
                      ", ".join(f"{s} {line['count']}" for s, line in sorted(part["per_successor"].items())))
    out.print(table)


def _show_assignments(assignments: list[dict]) -> None:
    table = Table("customer", "tier", "score", "successor", "reasons")
    for a in assignments:
        table.add_row(a["customer_id"], a["tier"], f"{a['score']:.0f}", a["successor_id"] or "[yellow]public pool",
                      "; ".join(a["reasons"]))
    out.print(table)


@app.command()
def plan(case_id: int, by: By = "", json: Json = False) -> None:
    """The case's current plan: successor, tier, score and reasons per customer."""
    document = case_views.plan(by, case_id, exported=json)
    if json:
        print_json(document)
        return
    out.print(f"case {case_id} plan v{document['version']} ({document['strategy']}, {document['status']})")
    _show_assignments(document["assignments"])


@app.command()
def approve(
    case_id: int,
    by: Annotated[str, typer.Option("--by", help="the departing rep's manager or an admin (default: HANDOVER_USER)")] = "",
    move: Annotated[Optional[list[str]], typer.Option("--move", help="CUSTOMER_ID=EMPLOYEE_ID, repeatable")] = None,
    reject: Annotated[bool, typer.Option("--reject", help="reject the plan (needs --reason)")] = False,
    reason: Annotated[str, typer.Option(help="why (required with --reject)")] = "",
    strategy: Annotated[Optional[str], typer.Option(help="with --reject: plan again with this strategy")] = None,
    json: Json = False,
) -> None:
    """Approve the plan (optionally moving customers first) or reject it; the case continues."""
    status = cases.decide_plan(case_id, by=actor_id(by), approve=not reject, moves=cases.parse_moves(move or []),
                               reason=reason, strategy=strategy)
    stage = cases.case_status(case_id)["stage"]
    print_json({"case_id": case_id, "plan": status, "stage": stage}) if json else out.print(
        f"case {case_id}: plan {status}; stage {stage}")


@app.command()
def status(case_id: int, by: By = "", json: Json = False) -> None:
    """Where the case stands: each stage, each customer's owner."""
    document = case_views.status(by, case_id, exported=json)
    if json:
        print_json(document)
        return
    table = Table("stage", "state", "started", "finished", "waiting for", title=f"case {case_id} ({document['employee_id']})")
    for s in document["stages"]:
        table.add_row(s["name"], s["state"], f"{s['started_at']:%Y-%m-%d %H:%M}" if s["started_at"] else "",
                      f"{s['finished_at']:%Y-%m-%d %H:%M}" if s["finished_at"] else "", s["waiting_for"])
    out.print(table)
    if document["team"]:
        out.print(f"team departure {document['team_key']}, planned as one with: " + ", ".join(
            f"case {t['case_id']} ({t['employee_id']}, {t['stage']})" for t in document["team"]))
    handed = sum(1 for c in document["customers"] if c["state"] == "handed_over")
    out.print(f"{handed} of {len(document['customers'])} customers handed over")


@app.command("cases")
def list_cases(by: By = "", json: Json = False) -> None:
    """The offboarding cases you may see, with their stage and counts."""
    rows = case_views.case_list(by)
    if json:
        print_json(rows)
        return
    table = Table("case", "employee", "team", "last day", "stage", "customers", "handed over")
    for r in rows:
        table.add_row(str(r["case_id"]), r["employee_id"], r["team_key"] or "", str(r["last_day"]), r["stage"],
                      str(r["customers"]), str(r["handed_over"]))
    out.print(table)


@app.command()
def revisit(
    case_id: int, customer_id: str,
    outcome: Annotated[str, typer.Option(help="ok | concern | lost | complaint")],
    note: Annotated[str, typer.Option(help="what happened")] = "",
    by: Annotated[str, typer.Option("--by", help="the owner or their manager (default: HANDOVER_USER)")] = "",
    json: Json = False,
) -> None:
    """Record a revisit of a handed-over customer."""
    done = cases.record_revisit(case_id, customer_id, by=actor_id(by), outcome=outcome, note=note)
    document = {"case_id": case_id, "customer_id": customer_id, "number": done.number, "outcome": done.outcome.value,
                "due_on": done.due_on, "done_at": done.done_at}
    print_json(document) if json else out.print(f"revisit {done.number} of {customer_id} recorded: {done.outcome.value}")


@app.command()
def tick(by: By = "", json: Json = False) -> None:
    """Do everything due now (HANDOVER_NOW when set): meetings, notices, revisits, surveys, reports, mail.
    An admin's command (the scheduler does the same as the system)."""
    require(by, "run due work by hand", frozenset({"admin"}))
    summary = cases.tick()
    print_json(summary) if json else out.print(summary)
