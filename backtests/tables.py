"""Console tables of strategies that stay readable at 80 columns and when piped.

The strategy name is never cut or folded (it is what a reader looks up); the table has no box lines, its
columns two spaces apart, and only headline metrics (the JSON and the HTML report have them all). When even
that is too wide for the console, each strategy becomes a block of `metric value` lines instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

Column = tuple[str, str, str]  # metric key, label, format


def strategy_table(
    metrics: Mapping[str, Mapping[str, float]], columns: Sequence[Column], title: str, width: int = 80
) -> RenderableType:
    """One row per strategy with the given columns, or, when wider than `width`, one block per strategy."""
    cells = {spec: [fmt.format(m[key]) for key, _, fmt in columns] for spec, m in metrics.items()}
    widths = [max([len(label), *(len(c[i]) for c in cells.values())]) for i, (_, label, _) in enumerate(columns)]
    name_width = max([len("strategy"), *(len(s) for s in metrics)])
    if name_width + sum(widths) + 2 * len(columns) <= width:  # a column is two spaces from the one before
        table = Table(title=title, box=None, pad_edge=False, padding=(0, 0, 0, 2), header_style="bold")
        table.add_column("strategy", no_wrap=True, min_width=name_width)
        for (_, label, _), w in zip(columns, widths, strict=True):
            table.add_column(label, justify="right", no_wrap=True, min_width=w)
        for spec, row in cells.items():
            table.add_row(spec, *row)
        return table
    label_width = max(len(label) for _, label, _ in columns)
    lines: list[RenderableType] = [Text(title, style="italic")]
    for spec, row in cells.items():
        lines.append(Text(spec, style="bold"))
        lines.extend(Text(f"  {label:<{label_width}}  {v}") for (_, label, _), v in zip(columns, row, strict=True))
    return Group(*lines)
