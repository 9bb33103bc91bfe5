"""The notebook displays share one look: the class bp-rich and the live view's CSS."""

from __future__ import annotations

import brickprop as bp
from brickprop._style import CSS, LOSS_COLOUR, METRIC_COLOUR
from brickprop.debug.bugs import Missing1OverN


def _shared(html: str) -> None:
    assert "bp-rich" in html.split(">", 1)[0]  # on the outermost element
    assert html.endswith(f"<style>{CSS}</style>") or f"<style>{CSS}</style></div>" in html


def test_history_trace_and_gradcheck_share_the_live_views_look(xor_data):
    X, Y, _ = xor_data
    history = bp.fit(bp.mlp(2, [3], 2), X, Y, steps=30)
    view = history._repr_html_()
    _shared(view)
    assert f"stroke='{LOSS_COLOUR}'" in view and f"stroke='{METRIC_COLOUR}'" in view
    trace = bp.explain_article()._repr_html_()
    _shared(trace)
    assert trace.count("class='bp-bad'") == 2  # the article's two slips, in red
    report = bp.gradcheck(bp.mlp(2, [3], 2), X[:4], Y[:4], bp.MSE())
    page = report._repr_html_()
    _shared(page)
    assert page.count("<td>PASS</td>") == len(report.checks) and "class='bp-bad'" not in page


def test_a_failing_gradient_check_and_a_diverged_history_are_marked_bad(xor_data):
    X, Y, _ = xor_data
    net = bp.mlp(2, [3], 2)
    report = bp.gradcheck(net, X[:4], Y[:4], Missing1OverN(bp.MSE()))
    page = report._repr_html_()
    assert "faulty: loss Missing1OverN(MSE())" in page
    assert page.count("<tr class='bp-bad'>") == sum(not c.passed for c in report.checks) > 0
    deep = bp.mlp(2, [64, 64, 64], 2, activation="relu", output="identity", init="he", seed=0)
    history = bp.fit(deep, X, Y, bp.CrossEntropy(), bp.SGD(deep.parameters(), lr=10),
                     steps=100)
    assert "<p class='bp-bad'>diverged at step" in history._repr_html_()


def test_the_widget_carries_the_same_css():
    from brickprop.notebook.widget import css

    assert css().startswith(CSS)
