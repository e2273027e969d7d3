from django.tasks import task

from zhifa.core.scheduler import periodic


@periodic("ledger-sign", "*/10 * * * *")
@task
def ledger_sign_head():
    """Sign a new tree head when the log has grown."""
    from .keys import key_path
    from .services import tree_head_sign

    if key_path().exists():
        tree_head_sign()


@periodic("ledger-nightly-verify", "30 2 * * *")
@task
def ledger_nightly_verify():
    """The nightly self-check: a failed run is an open alert for admins and supervisors."""
    from .verify import ledger_verify_and_record

    report, _ = ledger_verify_and_record()
    return {"ok": report.ok, "entries": report.entries, "problems": len(report.problems)}
