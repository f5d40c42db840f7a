"""What a person may see, scoped to them and audited: the CLI's listings and documents of customer data.

Each function resolves the acting employee (``--by`` or HANDOVER_USER), applies handover/access.py, reads
through the same functions the flows use, and records a "view" (a table on screen) or "export" (a
document: ``--json``, a report) audit row with ids and counts, never contact data.
"""
