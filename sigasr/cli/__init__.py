"""The ``sigasr`` command line: one module per subcommand.

Each subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a callable taking the parsed arguments and returning an exit code. Subcommands
raise :class:`sigasr.errors.SigasrError` (or ``OSError``) for what the user can fix;
:func:`main` alone turns those into one ``sigasr <command>: error: <message>`` line, and
Ctrl-C into one ``interrupted`` line (with the subcommand's ``interrupt_hint``, if it sets
one) and exit status 130.
"""

from __future__ import annotations

import argparse
import sys

import sigasr
from sigasr.cli import bench, decode, demo_data, export, prepare, train, transcribe, tune_lm
from sigasr.errors import SigasrError
from sigasr.progress import plain_progress_when_redirected

SUBCOMMANDS = (prepare, train, decode, tune_lm, transcribe, export, bench, demo_data)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigasr",
        description="CTC speech recognition with sigmoid self-attention (FlashSigmoid kernels).",
    )
    parser.add_argument("--version", action="version", version=f"sigasr {sigasr.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(subparsers)
    _name_leaf_commands(parser)
    return parser


def _name_leaf_commands(parser: argparse.ArgumentParser) -> None:
    """Sets ``prog`` (``sigasr prepare tedlium``) as a default of every runnable subcommand."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if sub.get_default("func") is not None:
                    sub.set_defaults(prog=sub.prog)
                _name_leaf_commands(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    plain_progress_when_redirected()
    try:
        return args.func(args)
    except KeyboardInterrupt:
        hint = getattr(args, "interrupt_hint", None)
        print(f"{args.prog}: interrupted{f'; {hint}' if hint else ''}", file=sys.stderr)
        return 130
    except SigasrError as e:
        print(f"{args.prog}: error: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:  # missing paths, and writes that fail (disk full, permission denied)
        print(f"{args.prog}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
