"""Tables of `handover scheduler`: APScheduler's job store and the lease only one scheduler may hold."""

from __future__ import annotations

from sqlalchemy import Column, Float, LargeBinary, Unicode
from sqlmodel import Field, SQLModel

JOB_TABLE = "scheduler_job"


class SchedulerJob(SQLModel, table=True):
    """APScheduler 3's SQLAlchemyJobStore table, declared here so Alembic creates and checks it.

    The columns are exactly the ones the job store defines; APScheduler reads and writes the rows.
    """

    __tablename__ = JOB_TABLE
    id: str = Field(sa_column=Column("id", Unicode(191), primary_key=True))
    next_run_time: float | None = Field(default=None, sa_column=Column("next_run_time", Float(25), index=True))
    job_state: bytes = Field(sa_column=Column("job_state", LargeBinary, nullable=False))


class SchedulerLease(SQLModel, table=True):
    """Who may run scheduled jobs. Times are epoch seconds on the database's clock, so hosts need not agree."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(default="", max_length=200, description="host:pid:nonce of the holding process")
    acquired_at: float = 0.0
    expires_at: float = Field(default=0.0, description="the lease is free once the database clock passes this")
