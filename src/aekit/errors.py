"""User-facing errors: one line that names the problem; the CLI turns them into exit code 2."""


class AekitError(ValueError):
    """A problem with the user's input (data, options, files), not a bug in aekit. A
    ValueError, as scikit-learn and numpy raise for bad values, so `except ValueError` in a
    user's pipeline code catches it too."""


class AekitNote(UserWarning):
    """Something the user should know about their data that is not an error (e.g. images of
    several sizes were resized to one). The CLI prints it as one `aekit: note:` line."""


def check_seed(seed: float) -> None:
    """AekitError unless `seed` is a whole number >= 0 (numpy refuses others deep inside)."""
    if int(seed) != seed or seed < 0:
        raise AekitError(f"seed must be a whole number >= 0, got {seed}")
