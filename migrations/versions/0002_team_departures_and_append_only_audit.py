"""team departures share a key; audit entries are append-only

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

REFUSAL = "audit entries are append-only"

POSTGRES_UP = f"""
CREATE FUNCTION auditentry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry
    FOR EACH ROW EXECUTE FUNCTION auditentry_refuse_change();
"""

SQLITE_UP = [
    f"CREATE TRIGGER auditentry_no_update BEFORE UPDATE ON auditentry BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    f"CREATE TRIGGER auditentry_no_delete BEFORE DELETE ON auditentry BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
]


def upgrade() -> None:
    with op.batch_alter_table('offboardingcase', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_key', sa.String(), nullable=True))
        batch_op.create_index(batch_op.f('ix_offboardingcase_team_key'), ['team_key'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_UP)
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER auditentry_append_only ON auditentry")
        op.execute("DROP FUNCTION auditentry_refuse_change()")
    else:
        op.execute("DROP TRIGGER auditentry_no_update")
        op.execute("DROP TRIGGER auditentry_no_delete")
    with op.batch_alter_table('offboardingcase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offboardingcase_team_key'))
        batch_op.drop_column('team_key')
