"""The errors a user can cause and fix: bad input, config, data, checkpoints or arguments.

Each is a :class:`SigasrError`, whose message names the file or key at fault. ``sigasr``
subcommands let them propagate to :func:`sigasr.cli.main`, which prints
``sigasr <command>: error: <message>`` and exits with the error's ``exit_code``. Library users
catch :class:`SigasrError`, or the built-in base each one also has (``ValueError`` for bad
values, ``RuntimeError`` for bad state), to handle them all.
"""

from __future__ import annotations


class SigasrError(Exception):
    """Base of the user-facing errors; the message alone explains the problem."""

    exit_code = 1


class UsageError(SigasrError, ValueError):
    """A command-line value is out of range or names nothing that exists."""

    exit_code = 2


class ConfigError(SigasrError, ValueError):
    """A configuration file or override is invalid; the message names the key."""


class ModelLoadError(SigasrError, ValueError):
    """A model directory or weights file cannot be loaded; the message names the file."""


class CheckpointError(SigasrError, RuntimeError):
    """A checkpoint cannot be written or read; the message names the file and the cause."""


class CorpusError(SigasrError, RuntimeError):
    """A corpus directory is missing, has the wrong layout or holds unusable files."""


class ManifestError(SigasrError, RuntimeError):
    """A lhotse manifest is missing, unreadable or empty; the message names the file."""


class AudioError(SigasrError, ValueError):
    """An audio file cannot be read or decoded; the message names the file."""


class NonFiniteLimitError(SigasrError, RuntimeError):
    """Training produced too many non-finite losses in a row."""


class ExperimentBusyError(SigasrError, RuntimeError):
    """Another process is training in the same experiment directory."""


class LMError(SigasrError, ValueError):
    """A language model, lexicon, LM tool, LM download or LM tuning file is missing or unusable;
    the message names the file, key or program."""
