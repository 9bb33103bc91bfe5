"""The renderings of a ``Trace``: plain text, Markdown, LaTeX, HTML and MathML.

Each walks the same rows (section, entry, note, equal-width number strings) and
lays them out for its medium; ``render`` picks one by name.  ``Trace.to_text``,
``to_markdown``, ``to_latex`` and ``_repr_html_`` delegate here, so ``explain``
keeps only the recording and the trace's data.
"""

from __future__ import annotations

import html
import re
import textwrap
from typing import TYPE_CHECKING

import numpy as np

from .._style import style

if TYPE_CHECKING:
    from .explain import Entry, Trace


def _cells(a, precision, samples, per_sample, limit=None):
    """Rows of equal-width number strings, and how many rows (samples) were left out.

    With ``limit``, only the first ``limit`` rows and columns become strings (a layout
    that shows no more; a 784 x 256 weight matrix has 200,000), chosen as for the whole.
    """
    a = np.atleast_2d(np.asarray(a, dtype=float))
    hidden = a.shape[0] - samples if per_sample and samples and a.shape[0] > samples else 0
    a = a[:a.shape[0] - hidden]
    finite = np.abs(a[np.isfinite(a)])
    if limit is not None:
        a = a[:limit, :limit]
    small = finite[finite > 0]
    sci = finite.size and (finite.max() >= 1e5 or (small.size and small.min() < 10.0 ** -precision))
    strings = [[f"{v:.{precision}{'e' if sci else 'f'}}" for v in row] for row in a]
    w = max(len(c) for row in strings for c in row)
    return [[c.rjust(w) for c in row] for row in strings], hidden


def _shape(e: Entry) -> str:
    return "-" if e.shape is None else str(e.shape)


def _hidden(n: int) -> str:
    return f"... {n} more row{'s' if n != 1 else ''} (samples) hidden"


def _joined(cells, hidden, newline, left, right, gap=" ") -> str:
    """Rows of cells as ``left + cells + right``, one per line, then the hidden-rows note."""
    rows = [left + gap.join(row) + right for row in cells] + [_hidden(hidden)] * bool(hidden)
    return newline.join(rows)


def _rows(trace: Trace, precision, samples, limit=None):
    """``(new section or None, entry, note, cells or None, hidden rows)`` per entry."""
    if samples is not None and (isinstance(samples, bool) or samples < 1):
        raise ValueError(f"samples must be a positive integer or None, got {samples!r}")
    section = None
    for e in trace.entries:
        note = e.formula
        if e.reused_from:
            where = trace[e.reused_from].section if e.reused_from in trace else ""
            where = "the forward pass" if where == "forward" else where.split(": ")[-1]
            note += f"  [reuses {e.reused_from}{' from ' + where if where else ''}]"
        cells, hidden = (None, 0) if e.array is None else \
            _cells(e.array, precision, samples, e.per_sample, limit)
        yield (e.section if e.section != section else None), e, note, cells, hidden
        section = e.section


SIDE_BY_SIDE = "the article, side by side"


def _inline(a, precision) -> str:
    """An array on one line as NumPy prints it: ``[0.3717 0.4541]``, ``[[1 2] [3 4]]``."""
    cells, _ = _cells(a, precision, None, False)
    rows = ["[" + " ".join(c.strip() for c in row) + "]" for row in cells]
    return rows[0] if len(rows) == 1 else "[" + " ".join(rows) + "]"


def _printed(trace: Trace, precision):
    """``(printed, brickprop's value on one line, verdict)`` for each number the article prints."""
    for p in trace.printed:
        verdict = "agrees to every printed digit" if p.agrees else "DIFFERS"
        yield p, _inline(trace[p.name].array, precision), verdict + (p.note and f": {p.note}")


def to_text(trace: Trace, precision: int = 4, samples: int | None = None, width: int = 100) -> str:
    """Aligned plain text, no line longer than ``width``; each array under its name."""
    nw = max(len(e.name) for e in trace.entries)
    sw = max(len(_shape(e)) for e in trace.entries)
    lines = textwrap.wrap(trace.title, width)
    for section, e, note, cells, hidden in _rows(trace, precision, samples):
        if section:
            lines += ["", section.upper()]
        head = f"  {e.name:<{nw}}  {_shape(e):<{sw}}  "
        scalar = cells is not None and e.array.ndim == 0
        lines += textwrap.wrap(note + (f" = {cells[0][0].strip()}" if scalar else ""), width,
                               initial_indent=head, subsequent_indent=" " * len(head))
        if cells is None or scalar:
            continue
        n_cols, cw = len(cells[0]), len(cells[0][0])
        fit, more = n_cols, ""
        if 4 + n_cols * (cw + 2) > width:  # "    [" + cells joined by 2 spaces + "]"
            fit = max(1, (width - 20) // (cw + 2))  # leave room for "  ... +N cols"
            more = f"  ... +{n_cols - fit} cols"
        lines += ["    [" + "  ".join(row[:fit]) + "]" + more for row in cells]
        lines += ["    " + _hidden(hidden)] if hidden else []
    for i, (p, ours, verdict) in enumerate(_printed(trace, precision)):
        lines += ["", SIDE_BY_SIDE.upper()] * (i == 0)
        lines += textwrap.wrap(f"{p.name} = {ours}", width, initial_indent="  ",
                               subsequent_indent="      ")
        lines += textwrap.wrap(f"the article, {p.where}: {p.digits}; {verdict}", width,
                               initial_indent="    ", subsequent_indent="      ")
    return "\n".join(lines)


def to_markdown(trace: Trace, precision: int = 4, samples: int | None = None) -> str:
    """One Markdown table per section: name, shape, formula, value."""
    out = [f"**{trace.title}**"]
    for section, e, note, cells, hidden in _rows(trace, precision, samples):
        if section:
            out += ["", f"#### {section}", "", "| name | shape | formula | value |",
                    "|---|---|---|---|"]
        value = "-" if cells is None else _joined(cells, hidden, "<br>", "`[", "]`")
        note = note.replace("|", r"\|")
        out.append(f"| `{e.name}` | {_shape(e)} | `{note}` | {value} |")
    for i, (p, ours, verdict) in enumerate(_printed(trace, precision)):
        out += ["", f"#### {SIDE_BY_SIDE}", "", "| name | brickprop | the article prints | where "
                "| verdict |", "|---|---|---|---|---|"] * (i == 0)
        cells = (f"`{p.name}`", f"`{ours}`", f"`{p.digits}`", p.where, verdict)
        out.append("| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |")
    return "\n".join(out)


def to_latex(trace: Trace, precision: int = 4, samples: int | None = None) -> str:
    """A LaTeX fragment (needs ``amsmath``): one ``align*`` per section, ``bmatrix`` arrays."""
    n_cols = max((e.array.shape[-1] for e in trace.entries
                  if e.array is not None and e.array.ndim), default=1)
    out = [f"% {trace.title}", f"\\setcounter{{MaxMatrixCols}}{{{max(10, n_cols)}}}"]
    for section, e, note, cells, hidden in _rows(trace, precision, samples):
        if section:
            out += [r"\end{align*}"] * (len(out) > 2) + [
                rf"\paragraph{{{_tex_escape(section.capitalize())}}}", r"\begin{align*}"]
        value = r"\text{--}"
        if cells is not None:
            rows = [" & ".join(row) for row in cells] + [r"\vdots"] * bool(hidden)
            value = rows[0] if e.array.ndim == 0 else \
                r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
            note += f" ({hidden} more rows hidden)" if hidden else ""
        note = _tex_escape(note)
        out.append(rf"{_tex_name(e.name)} &= {value} && \text{{\texttt{{{note}}}}} \\")
    out.append(r"\end{align*}")
    for i, (p, ours, verdict) in enumerate(_printed(trace, precision)):
        out += [rf"\paragraph{{{_tex_escape(SIDE_BY_SIDE.capitalize())}}}",
                r"\begin{itemize}"] * (i == 0)
        out.append(rf"\item $\displaystyle {_tex_name(p.name)}$ = \texttt{{{_tex_escape(ours)}}}"
                   rf"; the article, {_tex_escape(p.where)}: \texttt{{{_tex_escape(p.digits)}}}"
                   rf"; {_tex_escape(verdict)}")
    return "\n".join(out + [r"\end{itemize}"] * bool(trace.printed))


def to_html(trace: Trace, precision: int = 4, samples: int | None = 8) -> str:
    """An HTML table for notebooks (8 samples per array); every string is escaped."""
    esc = html.escape
    rows = [f"<caption>{esc(trace.title)}</caption>",
            "<tr><th>name</th><th>shape</th><th>formula</th><th>value</th></tr>"]
    for section, e, note, cells, hidden in _rows(trace, precision, samples):
        if section:
            rows.append(f'<tr><th colspan="4">{esc(section)}</th></tr>')
        value = "" if cells is None else _joined(cells, hidden, "\n", "[", "]", "  ")
        rows.append(f"<tr><td>{esc(e.name)}</td><td>{esc(_shape(e))}</td><td>{esc(note)}</td>"
                    f"<td><pre>{esc(value)}</pre></td></tr>")
    for i, (p, ours, verdict) in enumerate(_printed(trace, precision)):
        rows += [f'<tr><th colspan="4">{esc(SIDE_BY_SIDE)}</th></tr>'] * (i == 0)
        kind = "bp-good" if p.agrees else "bp-bad"
        rows.append(f"<tr><td>{esc(p.name)}</td><td></td><td>the article, {esc(p.where)}: "
                    f"<span class='{kind}'>{esc(verdict)}</span></td>"
                    f"<td><pre>{esc(ours)}\narticle: {esc(p.digits)}</pre>"
                    "</td></tr>")
    return '<table class="brickprop-trace bp-rich">\n' + "\n".join(rows) + "\n</table>" + \
        style()


def to_mathml(trace: Trace, precision: int = 4, samples: int | None = 4,
              max_size: int = 8) -> str:
    """An HTML fragment with MathML: per section a table of ``name = value`` and the formula.

    Names become fractions and subscripts (``dL/dW1`` is a fraction of partial
    derivatives), arrays ``<mtable class="matrix">`` of at most ``max_size`` rows
    and columns (the rest elided; the report's CSS draws the brackets, so they
    stretch without a math font); browsers typeset MathML themselves, so nothing
    is fetched.  Every string is escaped.
    """
    esc = html.escape
    out = [f"<p class=\"trace-title\">{esc(trace.title)}</p>"]
    for section, e, note, cells, hidden in _rows(trace, precision, samples, max_size):
        if section:
            out += ["</tbody></table>"] * (len(out) > 1) + [
                f"<h3>{esc(section.capitalize())}</h3>",
                '<table class="trace"><thead><tr><th scope="col">quantity</th>'
                '<th scope="col">formula</th></tr></thead><tbody>']
        value = "" if cells is None else "<mo>=</mo>" + _mathml_value(
            cells, hidden, e.array.ndim == 0, max_size, np.atleast_2d(e.array).shape)
        out.append(f'<tr><td><math><mrow>{_mathml_name(e.name)}{value}'
                   f"</mrow></math></td><td><code>{esc(note)}</code></td></tr>")
    out += ["</tbody></table>"] * (len(out) > 1)
    for i, (p, ours, verdict) in enumerate(_printed(trace, precision)):
        out += [f"<h3>{esc(SIDE_BY_SIDE.capitalize())}</h3>", '<table class="trace"><tbody>',
                ] * (i == 0)
        out.append(f"<tr><td><math>{_mathml_name(p.name)}</math> = <code>{esc(ours)}</code>"
                   f"</td><td>the article, {esc(p.where)}: <code>{esc(p.digits)}</code>; "
                   f"{esc(verdict)}</td></tr>")
    return "\n".join(out + ["</tbody></table>"] * bool(trace.printed))


def _mathml_value(cells, hidden, scalar, max_size, shape) -> str:
    """The cells (at most ``max_size`` square) of an array of ``shape``, the rest counted."""
    if scalar:
        return f"<mn>{cells[0][0].strip()}</mn>"
    more_cols = shape[1] - max_size
    hidden += max(shape[0] - hidden - max_size, 0)
    rows = ["<mtr>" + "".join(f"<mtd><mn>{c.strip()}</mn></mtd>" for c in row[:max_size]) +
            (f"<mtd><mtext>⋯ {more_cols} more</mtext></mtd>" if more_cols > 0 else "") + "</mtr>"
            for row in cells[:max_size]]
    if hidden:
        rows.append(f"<mtr><mtd><mtext>⋮ {hidden} more</mtext></mtd></mtr>")
    return f'<mtable class="matrix">{"".join(rows)}</mtable>'  # brackets: the page's CSS


def _symbols(name: str):
    """``name`` split for typesetting, shared by the MathML and LaTeX renderers.

    ``("frac", top, bottom)`` for a derivative such as ``dL/dW2``, else ``("symbol",
    part)``.  A part is ``(base, index, tag)`` (``W1_new`` -> ``("W", "1", "new")``), or
    the plain string when it is not of that form.
    """
    def parts(s):
        m = re.fullmatch(r"([A-Za-z]+?)(\d*)(?:_([a-z]+))?", s)
        return m.groups() if m else s
    top, slash, bottom = name.partition("/")
    if slash and top.startswith("d") and bottom.startswith("d"):
        return "frac", parts(top[1:]), parts(bottom[1:])
    return "symbol", parts(name)


def _mathml_name(name: str) -> str:
    """``dL/dW2`` -> a fraction of partials, ``W1_new`` -> ``W`` with sub 1 and sup new."""
    def symbol(p):
        if isinstance(p, str):
            return f"<mtext>{html.escape(p)}</mtext>"
        base, k, tag = p
        base = f"<mi>{base}</mi>"
        if k and tag:
            return f"<msubsup>{base}<mn>{k}</mn><mtext>{tag}</mtext></msubsup>"
        return f"<msub>{base}<mn>{k}</mn></msub>" if k else \
            f"<msub>{base}<mtext>{tag}</mtext></msub>" if tag else base
    kind, *p = _symbols(name)
    if kind == "frac":
        return (f"<mfrac><mrow><mo>∂</mo>{symbol(p[0])}</mrow>"
                f"<mrow><mo>∂</mo>{symbol(p[1])}</mrow></mfrac>")
    return symbol(p[0])


def render(trace: Trace, fmt: str = "text", precision: int = 4,
           samples: int | None = None) -> str:
    """``trace`` as ``"text"``, ``"markdown"`` or ``"latex"``."""
    renderers = {"text": to_text, "markdown": to_markdown, "latex": to_latex}
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(renderers)}")
    return renderers[fmt](trace, precision=precision, samples=samples)


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}",
                "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}"}


def _tex_escape(s: str) -> str:
    return "".join(_TEX_SPECIAL.get(c, c) for c in s)


def _tex_name(name: str) -> str:
    """``dL/dW2`` -> ``\\frac{\\partial L}{\\partial W_{2}}``, ``W1_new`` -> ``W_{1}^{new}``."""
    def symbol(p):
        if isinstance(p, str):
            return rf"\text{{{_tex_escape(p)}}}"
        base, k, tag = p
        tag = rf"{'^' if k else '_'}{{\text{{{tag}}}}}" if tag else ""
        return base + (f"_{{{k}}}" if k else "") + tag
    kind, *p = _symbols(name)
    if kind == "frac":
        return rf"\frac{{\partial {symbol(p[0])}}}{{\partial {symbol(p[1])}}}"
    return symbol(p[0])
