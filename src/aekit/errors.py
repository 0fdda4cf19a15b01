"""User-facing errors: one line that names the problem; the CLI turns them into exit code 2."""


class AekitError(Exception):
    """A problem with the user's input (data, options, files), not a bug in aekit."""
