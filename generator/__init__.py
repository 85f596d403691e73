"""预算公开静态站点生成器: budget_data/ → validated, computed → Markdown in docs_src/ → MkDocs site."""

__version__ = "0.1.0"
