"""The case report: figures (matplotlib: PNG, SVG, PDF) and one self-contained HTML file."""
