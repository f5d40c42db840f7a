"""The customer-facing web pages (the satisfaction survey), served by `handover web`."""

from handover.web.app import create_app

__all__ = ["create_app"]
