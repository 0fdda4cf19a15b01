"""Progress bars: drawn on a terminal or in a notebook, left out of logs and pipes.

tqdm's `disable=None` turns a bar off when its stream is not a terminal, so `aekit train ... >
train.log 2>&1` writes the per-epoch lines and not thousands of carriage-return redraws.
Notebooks still draw their widget (tqdm.notebook reads None as "show").
"""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm


def progress_bar(iterable: Any = None, *, show: bool = True, **kwargs: Any) -> Any:
    """A tqdm bar when `show` and the output can draw one; otherwise a silent pass-through."""
    return tqdm(iterable, disable=None if show else True, **kwargs)
