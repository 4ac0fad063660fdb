"""Moving through a page as someone using only the keyboard would."""

from __future__ import annotations

from typing import Any

import pytest


def tab_to(page: Any, target: Any, most: int = 120) -> None:
    """Press Tab until ``target`` has the focus, at most ``most`` times."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")
