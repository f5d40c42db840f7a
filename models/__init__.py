"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from models.audit import AuditEntry
from models.case import (
    STAGES,
    Assignment,
    CaseCustomer,
    CaseReport,
    CaseStage,
    CaseStatus,
    Meeting,
    MeetingState,
    OffboardingCase,
    Plan,
    PlanStatus,
    Revisit,
    RevisitOutcome,
    StageState,
)
from models.crm import Contract, Customer, CustomerStatus, Deal, DealStatus, Interaction
from models.outbox import OutboxMessage, OutboxStatus
from models.people import Employee, EmployeeStatus, Level, Role, Suspension
from models.pool import OwnershipConflict, PoolApplication, PoolEntry, ReclaimNotice
from models.scheduling import SchedulerJob, SchedulerLease
from models.survey import Survey

__all__ = [
    "STAGES", "Assignment", "AuditEntry", "CaseCustomer", "CaseReport", "CaseStage", "CaseStatus",
    "Contract", "Customer", "CustomerStatus", "Deal", "DealStatus", "Employee", "EmployeeStatus",
    "Interaction", "Level", "Meeting", "MeetingState", "OffboardingCase", "OutboxMessage", "OutboxStatus",
    "Plan", "PlanStatus", "Revisit", "RevisitOutcome", "Role", "StageState", "Suspension",
    "Survey",
    "OwnershipConflict", "PoolApplication", "PoolEntry", "ReclaimNotice",
    "SchedulerJob", "SchedulerLease",
]
