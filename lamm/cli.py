"""Command line (filled in below)."""
import typer
app = typer.Typer()
