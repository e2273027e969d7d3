"""TEMPORARY placeholder until feat/documents is merged: the procedures' document hook."""


def generate_after_commit(template: str):
    def hook(case_id: int, entry_id: int) -> None:
        return None
    hook.template = template
    return hook
