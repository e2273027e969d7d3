"""The `zhifa` operator command: Django management underneath (`zhifa migrate`, `zhifa ledger verify`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.conf.dev")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `zhifa demo-data` runs the demo_data command
    execute_from_command_line(["zhifa", *args])


if __name__ == "__main__":
    main()
