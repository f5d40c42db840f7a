"""Render stored evaluations (``CaseReport.figures``) as Markdown, HTML with charts, or JSON.

One case: ``case_document`` + ``render_case``. All closed cases side by side, and each successor across
them: ``comparison_document`` + ``render_comparison``. Charts are matplotlib (Agg) PNGs embedded as
base64 so the HTML is one self-contained file.
"""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from jinja2 import Environment  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from handover.errors import HandoverError, NotFound  # noqa: E402
from models import CaseReport, CaseStatus, Employee, OffboardingCase  # noqa: E402

FORMATS = ("md", "html", "json")


# ---- loading -------------------------------------------------------------------------------------

def case_document(session: Session, case_id: int) -> dict[str, Any]:
    """The stored report of one case, with the names of the people it mentions."""
    case = session.get(OffboardingCase, case_id)
    if case is None:
        raise NotFound(f"case {case_id}: no such offboarding case")
    report = session.get(CaseReport, case_id)
    if report is None or not report.figures:
        raise NotFound(f"case {case_id}: no report yet (a case is evaluated when it closes)")
    figures = report.figures
    people = {figures.get("departing_id"), *figures.get("successors", {})}
    return {"case_id": case_id, "status": str(case.status), "computed_at": report.computed_at.isoformat(),
            "names": _names(session, people), "figures": figures}


def comparison_document(session: Session) -> dict[str, Any]:
    """Every closed case's report in order of last day, and each successor's results across them."""
    rows = session.exec(select(OffboardingCase, CaseReport).join(CaseReport, CaseReport.case_id == OffboardingCase.id)
                        .where(OffboardingCase.status == CaseStatus.closed)
                        .order_by(OffboardingCase.last_day, OffboardingCase.id)).all()
    cases = [{"case_id": case.id, "last_day": case.last_day.isoformat(), "figures": report.figures}
             for case, report in rows]
    people = {c["figures"].get("departing_id") for c in cases}
    people |= {s for c in cases for s in c["figures"].get("successors", {})}
    return {"cases": cases, "successors": _successor_history(cases), "names": _names(session, people)}


def _names(session: Session, ids: set[str | None]) -> dict[str, str]:
    ids = sorted(i for i in ids if i)
    if not ids:
        return {}
    return {e.id: e.name for e in session.exec(select(Employee).where(Employee.id.in_(ids)))}


def _successor_history(cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per successor: totals over the cases and the score each case gave (in case order)."""
    history: dict[str, dict[str, Any]] = {}
    for case in cases:
        for successor_id, s in case["figures"].get("successors", {}).items():
            entry = history.setdefault(successor_id, {"cases": 0, "customers": 0, "retained": 0, "lost": 0,
                                                      "complaints": 0, "scores": []})
            entry["cases"] += 1
            for key in ("customers", "retained", "lost", "complaints"):
                entry[key] += s.get(key, 0)
            entry["scores"].append({"case_id": case["case_id"], "last_day": case["last_day"], "score": s.get("score")})
    for entry in history.values():
        known = [s["score"] for s in entry["scores"] if s["score"] is not None]
        entry["mean_score"] = round(sum(known) / len(known), 1) if known else None
    return dict(sorted(history.items()))


# ---- formatting ----------------------------------------------------------------------------------

def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def _number(value: float | int | None) -> str:
    return "–" if value is None else f"{value:g}"


def _money(value: str | None) -> str:
    return "–" if value is None else f"CNY {Decimal(value):,.2f}"


def _who(names: dict[str, str], person_id: str | None) -> str:
    if not person_id:
        return "–"
    return f"{names[person_id]} ({person_id})" if person_id in names else person_id


def case_sections(document: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report as (title, header, rows) tables: the same content for Markdown and HTML."""
    f, names = document["figures"], document["names"]
    c, r, rev, conv = f["customers"], f["retention"], f["revenue"], f["conversion"]
    sat, vis, comp = f["satisfaction"], f["revisits"], f["completeness"]
    overview = [
        ["Departing rep", _who(names, f.get("departing_id"))], ["Last day", f["last_day"]],
        ["Evaluated as of", f["as_of"]],
        ["Customers", str(c["total"])], ["Handed over", str(c["handed_over"])], ["Pooled", str(c["pooled"])],
        ["Awaiting handover", str(c["awaiting"])],
        ["Tiers", ", ".join(f"{k}: {v}" for k, v in c["by_tier"].items()) or "–"],
    ]
    outcomes = [
        ["Retained", str(r["retained"])], ["Lost", str(r["lost"])], ["Pending", str(r["pending"])],
        ["Churn rate", _rate(r["churn_rate"])],
        ["Revenue baseline (contribution)", _money(rev["baseline"])],
        ["Revenue retained", f"{_money(rev['retained'])} ({_rate(rev['retained_rate'])})"],
        ["Open deals at inventory", f"{conv['open_deals']} ({_money(conv['open_amount'])})"],
        ["Won since", f"{conv['won']} ({_money(conv['won_amount'])}), conversion {_rate(conv['rate'])}"],
        ["Complaints", f"{f['complaints']['customers']} ({_rate(f['complaints']['rate'])})"],
    ]
    satisfaction = [
        ["Surveys answered", f"{sat['answered']} of {sat['surveys']} ({_rate(sat['response_rate'])})"],
        ["CSAT (1-5)", _number(sat["csat_mean"])],
        ["NPS", _number(sat["nps"])],
        ["Promoters / passives / detractors", f"{sat['promoters']} / {sat['passives']} / {sat['detractors']}"],
        ["Revisits on time / late / overdue / upcoming",
         f"{vis['on_time']} / {vis['late']} / {vis['overdue']} / {vis['upcoming']}"],
        ["Revisits on time", _rate(vis["on_time_rate"])],
        ["Handover material complete", f"{_rate(comp['rate'])} (complete for {comp['complete_customers']} customers)"],
        *[[f"  {name.replace('_', ' ')}", _rate(value)] for name, value in comp["items"].items()],
    ]
    successors = [[_who(names, sid), str(s["customers"]), str(s["retained"]), str(s["lost"]), str(s["complaints"]),
                   _number(s["csat_mean"]), _rate(s["on_time_rate"]), _number(s["score"])]
                  for sid, s in f["successors"].items()]
    return [
        ("Overview", ["Figure", "Value"], overview),
        ("Outcome", ["Figure", "Value"], outcomes),
        ("Satisfaction, revisits, material", ["Figure", "Value"], satisfaction),
        ("Successors", ["Successor", "Customers", "Retained", "Lost", "Complaints", "CSAT", "On time", "Score"],
         successors),
    ]


def comparison_sections(document: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    names = document["names"]
    cases = []
    for case in document["cases"]:
        f = case["figures"]
        cases.append([str(case["case_id"]), _who(names, f.get("departing_id")), case["last_day"],
                      str(f["customers"]["handed_over"]), str(f["customers"]["pooled"]),
                      _rate(f["retention"]["churn_rate"]), _rate(f["revenue"]["retained_rate"]),
                      _rate(f["conversion"]["rate"]), _rate(f["complaints"]["rate"]),
                      _number(f["satisfaction"]["csat_mean"]), _number(f["satisfaction"]["nps"]),
                      _rate(f["revisits"]["on_time_rate"]), _rate(f["completeness"]["rate"])])
    successors = [[_who(names, sid), str(s["cases"]), str(s["customers"]), str(s["retained"]), str(s["lost"]),
                   str(s["complaints"]), ", ".join(f"#{x['case_id']}: {_number(x['score'])}" for x in s["scores"]),
                   _number(s["mean_score"])]
                  for sid, s in document["successors"].items()]
    return [
        ("Closed cases", ["Case", "Departing rep", "Last day", "Handed over", "Pooled", "Churn", "Revenue kept",
                          "Conversion", "Complaints", "CSAT", "NPS", "Revisits on time", "Material complete"], cases),
        ("Successors across cases", ["Successor", "Cases", "Customers", "Retained", "Lost", "Complaints",
                                     "Score per case", "Mean score"], successors),
    ]


# ---- Markdown ------------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(title: str, sections: list[tuple[str, list[str], list[list[str]]]]) -> str:
    lines = [f"# {title}", ""]
    for heading, header, rows in sections:
        lines += [f"## {heading}", ""]
        if not rows:
            lines += ["(none)", ""]
            continue
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


# ---- charts --------------------------------------------------------------------------------------

def _png(draw: Callable[[Any], None], width: float = 5.0, height: float = 3.0) -> str:
    """Draw on a fresh figure and return it as a base64 PNG."""
    figure, axes = plt.subplots(figsize=(width, height), dpi=100)
    try:
        draw(axes)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _bars(title: str, labels: list[str], values: list[float], colors: list[str] | None = None):
    def draw(axes) -> None:
        axes.bar(labels, values, color=colors)
        axes.set_title(title)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(0, max([*values, 1]) * 1.15)
        for x, value in enumerate(values):
            axes.annotate(_number(value), (x, value), ha="center", va="bottom")
    return draw


def case_charts(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """(caption, base64 PNG) for the case's retention, CSAT distribution, revisits and successor scores."""
    r, sat, vis = figures["retention"], figures["satisfaction"], figures["revisits"]
    charts = [
        ("Retention", _png(_bars("Customers retained / lost / pending", ["retained", "lost", "pending"],
                                 [r["retained"], r["lost"], r["pending"]], ["#4c9a2a", "#c0392b", "#999999"]))),
        ("CSAT distribution", _png(_bars("CSAT answers", list(sat["csat_distribution"]),
                                         list(sat["csat_distribution"].values()), ["#5b8def"] * 5))),
        ("Revisits", _png(_bars("Revisits", ["on time", "late", "overdue", "upcoming"],
                                [vis["on_time"], vis["late"], vis["overdue"], vis["upcoming"]],
                                ["#4c9a2a", "#e67e22", "#c0392b", "#999999"]))),
    ]
    scored = {sid: s["score"] for sid, s in figures["successors"].items() if s["score"] is not None}
    if scored:
        charts.append(("Successor scores", _png(_bars("Handover score (0-100)", list(scored), list(scored.values()),
                                                      ["#8e44ad"] * len(scored)))))
    return charts


def comparison_charts(document: dict[str, Any]) -> list[tuple[str, str]]:
    cases = document["cases"]
    if not cases:
        return []
    labels = [f"#{c['case_id']}\n{c['last_day']}" for c in cases]
    series = {
        "churn %": [c["figures"]["retention"]["churn_rate"] for c in cases],
        "complaints %": [c["figures"]["complaints"]["rate"] for c in cases],
        "revisits on time %": [c["figures"]["revisits"]["on_time_rate"] for c in cases],
        "material complete %": [c["figures"]["completeness"]["rate"] for c in cases],
    }

    def over_time(axes) -> None:
        for name, values in series.items():
            axes.plot(labels, [float("nan") if v is None else v for v in values], marker="o", label=name)
        axes.set_ylim(0, 105)
        axes.set_title("Cases over time")
        axes.legend(fontsize="small")

    def successors(axes) -> None:
        for sid, entry in document["successors"].items():
            points = [(f"#{s['case_id']}\n{s['last_day']}", s["score"]) for s in entry["scores"] if s["score"] is not None]
            if points:
                axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=sid)
        axes.set_ylim(0, 105)
        axes.set_title("Successor handover score per case")
        axes.legend(fontsize="small")

    return [("Cases over time", _png(over_time, 7, 3.5)), ("Successors", _png(successors, 7, 3.5))]


# ---- HTML ----------------------------------------------------------------------------------------

_HTML = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }
th { background: #f3f3f3; }
figure { display: inline-block; margin: 0 1rem 1rem 0; }
</style></head>
<body>
<h1>{{ title }}</h1>
{% for caption, png in charts %}<figure><img alt="{{ caption }}" src="data:image/png;base64,{{ png }}">
<figcaption>{{ caption }}</figcaption></figure>
{% endfor %}
{% for heading, header, rows in sections %}<h2>{{ heading }}</h2>
{% if rows %}<table><thead><tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>{% else %}<p>(none)</p>{% endif %}
{% endfor %}
</body></html>
""")


def _html(title: str, sections, charts) -> str:
    return _HTML.render(title=title, sections=sections, charts=charts)


# ---- entry points --------------------------------------------------------------------------------

def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise HandoverError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")


def render_case(document: dict[str, Any], fmt: str = "md") -> str:
    """One case's report in ``md``, ``html`` (with charts) or ``json``."""
    _check_format(fmt)
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2)
    title = f"Handover report — case {document['case_id']}"
    sections = case_sections(document)
    if fmt == "md":
        return _markdown(title, sections)
    return _html(title, sections, case_charts(document["figures"]))


def render_comparison(document: dict[str, Any], fmt: str = "md") -> str:
    """All closed cases and successors across them in ``md``, ``html`` (with charts) or ``json``."""
    _check_format(fmt)
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2)
    title = "Handover reports — closed cases compared"
    sections = comparison_sections(document)
    if fmt == "md":
        return _markdown(title, sections)
    return _html(title, sections, comparison_charts(document))
