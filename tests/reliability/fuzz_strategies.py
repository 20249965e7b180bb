"""Hypothesis settings and strategies the fuzz tests share."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# The window tests build one window per test and feed it every example.
GUI = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text with everything that breaks naive code: controls, separators, quotes, line breaks,
# lone surrogates, right-to-left marks, and formula starters.
nasty_text = st.text(
    st.characters(codec=None)
    | st.sampled_from([*",;\t\"'\r\n\x00\u2028\u202e=+-@＝", "\ud800", "\udfff"]),
    max_size=40,
)
