"""Figures as a reader sees them in the book: text size in the column and tick labels."""


def test_figure_problems_finds_small_text_and_overlapping_ticks(tmp_path):
    """A figure broken on purpose: too wide for the book's column (its text shrinks below
    9 px) and with crowded tick labels; the page's own kind of figure passes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from hlcore import plots

    plots.setup()
    fig, ax = plt.subplots(figsize=(16, 3))
    ax.plot([1, 2], [1, 2])
    ax.set_xticks([1.0, 1.01, 1.02], ["1000", "1010", "1020"])
    problems = plots.figure_problems(fig)
    assert any("under 9 px" in p for p in problems), problems
    assert any("overlap" in p for p in problems), problems
    paths = plots.save_figure(fig, "broken", pd.DataFrame({"learner": ["x"]}), tmp_path)
    assert "overlap" in paths["problems"].read_text()
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot([1, 10], [1, 100])
    assert plots.figure_problems(fig) == []
    assert "problems" not in plots.save_figure(fig, "fine", pd.DataFrame({"learner": ["x"]}),
                                               tmp_path)
    plt.close(fig)
