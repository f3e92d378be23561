"""Errors raised by the data loaders, and the mapping from table rows back to file rows.

Every problem with an input file is reported as one `DataError` whose message is a single line that
names the file, the 1-based data row (header not counted) and the column where they are known, what is
wrong and what to do about it, so that a user can fix their own file without reading the loader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DataError(ValueError):
    """An input file that cannot be used as is.

    Attributes: `path` (the file or folder), `row` (1-based data row within that file, header not
    counted, or None), `column` (or None), `problem` (what is wrong) and `hint` (what to do, or None).
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = [str(self.path)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: {self.problem}"
        if self.hint:
            text += f" (fix: {self.hint})"
        return " ".join(text.split())

    def __reduce__(self):  # keep keyword attributes when pickled (e.g. across processes)
        return _rebuild, (self.path, self.problem, self.row, self.column, self.hint)


def _rebuild(path: Path, problem: str, row: int | None, column: str | None, hint: str | None) -> DataError:
    return DataError(path, problem, row=row, column=column, hint=hint)


def show(value: object, limit: int = 48) -> str:
    """Short repr of an offending value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def part_offsets(lengths: Sequence[int]) -> np.ndarray:
    """First row of each part in the concatenation of parts of the given lengths."""
    return np.concatenate([[0], np.cumsum(lengths[:-1], dtype=np.int64)]).astype(np.int64)


@dataclass(frozen=True)
class RowOrigin:
    """Where each row of a (possibly concatenated, possibly filtered) table came from.

    `offsets[k]` is the first table row of `paths[k]`; `file_rows`, when given, holds for every table
    row its 0-based data row inside its file (used when rows were filtered, e.g. SWAP rows only);
    `columns` maps table column names to the file's own names, so that errors name what the user sees.
    """

    paths: Sequence[Path]
    offsets: np.ndarray
    file_rows: np.ndarray | None = None
    columns: Mapping[str, str] | None = None

    @classmethod
    def single(cls, path: Path, file_rows: np.ndarray | None = None) -> RowOrigin:
        return cls([path], np.zeros(1, dtype=np.int64), file_rows)

    @classmethod
    def of_parts(cls, paths: Sequence[Path], lengths: Sequence[int]) -> RowOrigin:
        return cls(list(paths), part_offsets(lengths))

    def locate(self, index: int) -> tuple[Path, int]:
        """File and 1-based data row of table row `index`."""
        k = int(np.searchsorted(self.offsets, index, side="right")) - 1
        row = index - int(self.offsets[k]) if self.file_rows is None else int(self.file_rows[index])
        return self.paths[k], row + 1

    def column_error(self, column: str, problem: str, hint: str | None = None) -> DataError:
        """A problem of a whole column (e.g. its type) of the first file, with no row."""
        if self.columns:
            column = self.columns.get(column, column)
        return DataError(self.paths[0], problem, column=column, hint=hint)

    def error(self, index: int, column: str | None, problem: str, hint: str | None = None) -> DataError:
        path, row = self.locate(index)
        if column is not None and self.columns:
            column = self.columns.get(column, column)
        return DataError(path, problem, row=row, column=column, hint=hint)
