"""A picture of the simulated loop: units in stock by grade at the end of each day, and the bench queue."""

from datetime import date

import click

GRADE_COLOURS = {"new": "#2b6cb0", "refurbished": "#2f855a", "faulty": "#c05621", "scrap": "#718096"}


def check_plotting() -> None:
    """Refuse before a long run, not after it, when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise click.ClickException("Plotting needs matplotlib: pip install -r requirements-bench.txt") from err


def plot_stock(stock_by_day: list[tuple[date, dict[str, int]]], queue_by_day: list[tuple[date, int]],
               path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = [day for day, _ in stock_by_day]
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    for grade, colour in GRADE_COLOURS.items():
        ax.plot(days, [totals.get(grade, 0) for _, totals in stock_by_day], marker="o", markersize=3,
                color=colour, label=f"{grade} in stock")
    ax.plot([day for day, _ in queue_by_day], [n for _, n in queue_by_day], linestyle="--", color="#553c9a",
            label="refurbishment queue")
    ax.set_ylabel("units")
    ax.set_title("Stock by grade at the end of each simulated day")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
