"""Domain errors. Library code raises them; the CLI and the app show their Swedish message."""


class NamndsvarError(Exception):
    """Base class: the message says, in Swedish, what is wrong and how to fix it."""


class DocumentError(NamndsvarError):
    """The annex file cannot be read or has no usable structure."""


class IndexStateError(NamndsvarError):
    """The index is missing, incomplete or was built with another model or format."""


class ModelError(NamndsvarError):
    """The embedding model cannot be loaded (missing path, no network for a hub name)."""


class LLMError(NamndsvarError):
    """The configured chat model failed; callers fall back to the offline answerer."""


class BuildInProgressError(IndexStateError):
    """Another process is building the index in the same directory."""


class FilterError(NamndsvarError):
    """A filter names something the index does not hold (a source, an administration …)."""


class SettingsError(NamndsvarError):
    """A setting (NAMNDSVAR_* variable) has a value that cannot be used."""
