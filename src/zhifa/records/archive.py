"""TEMPORARY placeholder until feat/records is merged."""


def archive_after_commit(case_id: int, entry_id: int) -> None:
    return None
