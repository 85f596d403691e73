"""Command line: a thin layer over the pipeline.

Exit codes: 0 clean; 1 errors (or warnings under --strict); 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

from . import __version__
from .diagnostics import format_github, format_json, format_summary, format_text, has_failures

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _ChineseHelp(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its headings and built-in help in Chinese, like every other message."""

    def __init__(self, *args, add_help: bool = True, **kwargs):
        kwargs.setdefault("formatter_class", _ChineseHelp)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str) -> None:  # argparse would print English and exit 2
        self.print_usage(sys.stderr)
        print(f"命令行参数错误：{message}\n用法见：python -m generator --help", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m generator", description="预算公开静态站点生成器：校验 budget_data/ 并生成 docs_src/ 中的页面。")
    parser.add_argument("--version", action="version", version=f"budget-generator {__version__}",
                        help="显示版本号并退出")
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    common = _Parser(add_help=False)
    common._optionals.title = "数据选项"
    common.add_argument("--data", default="budget_data", help="数据文件夹（默认 budget_data）")
    common.add_argument("--root", default=".", help="仓库根目录，诊断中的路径相对于它（默认当前目录）")
    common.add_argument("--strict", action="store_true", help="警告也视为失败")

    build = commands.add_parser("build", parents=[common], help="校验数据并生成页面到 docs_src/")
    build.add_argument("--out", default="docs_src", help="页面输出文件夹（默认 docs_src）")
    build.add_argument("--templates", default="site_templates", help="模板文件夹（默认 site_templates）")
    build.add_argument("--year", action="append", metavar="年度",
                       help="只生成这些预算年度的项目（可重复；用于按年度拆分网站）")
    build.add_argument("--review", action="store_true",
                       help="供财政部门审核：增加“数据核查”页，项目页显示问题数（不要公开发布）")

    check = commands.add_parser("check", parents=[common], help="只校验数据并列出问题，不生成页面")
    check.add_argument("--format", choices=("text", "json", "github"), default="text",
                       help="输出格式：text（默认）、json 或 github（GitHub Actions 注释）")
    _authoring_commands(commands)
    return parser


def _authoring_commands(commands) -> None:
    """`import` and `new`: start a project from the files a unit has, or from a skeleton."""
    imp = commands.add_parser("import", help="从 Excel 绩效目标表/资金测算表、Word 申报书或其转换文本导入项目草稿")
    imp.add_argument("files", nargs="+", metavar="文件", help=".xlsx、.docx、.txt 或本网站下载的 .csv")
    imp.add_argument("--into", required=True, metavar="项目文件夹",
                     help="写入的项目文件夹，如 budget_data/projects/2026/talent-service-funds")
    imp.add_argument("--unit", required=True, metavar="单位标识", help="实施单位的标识（units/ 中的文件名，不含 .yaml）")
    imp.add_argument("--force", action="store_true", help="项目文件夹已存在时替换它")
    imp.add_argument("--root", default=".", help="仓库根目录，诊断中的路径相对于它（默认当前目录）")
    imp.add_argument("--format", choices=("text", "json"), default="text", help="输出格式：text（默认）或 json")

    new = commands.add_parser("new", help="新建单位或项目的最小骨架（带中文注释）")
    new.add_argument("--data", default="budget_data", help="数据文件夹（默认 budget_data）")
    new.add_argument("--root", default=".", help="仓库根目录（默认当前目录）")
    kinds = new.add_subparsers(dest="kind", metavar="类型", parser_class=_Parser, required=True)
    unit = kinds.add_parser("unit", help="新建单位文件 units/单位标识.yaml")
    unit.add_argument("id", metavar="单位标识")
    project = kinds.add_parser("project", help="新建项目文件夹 projects/年度/项目标识/")
    project.add_argument("year", metavar="年度")
    project.add_argument("id", metavar="项目标识")
    project.add_argument("--unit", required=True, metavar="单位标识")
    template = kinds.add_parser("template", help="生成 Excel 绩效目标表模板（带下拉列表）")
    template.add_argument("--out", default="绩效目标表模板.xlsx", metavar="文件", help="输出文件（默认 绩效目标表模板.xlsx）")


def _run_authoring(args) -> int:
    root = Path(args.root).resolve()
    if args.command == "import":
        from .importers.run import import_project

        result = import_project([_resolve(Path.cwd(), f) for f in args.files], _resolve(Path.cwd(), args.into),
                                args.unit, root=root, force=args.force, schemas=_schemas(root))
        if args.format == "json":
            print(format_json(result.diagnostics))
        else:
            if result.diagnostics:
                print(format_text(result.diagnostics), file=sys.stderr)
            print(format_summary(result.diagnostics), file=sys.stderr)
        if result.failed:
            print("导入失败，没有写入任何文件。", file=sys.stderr)
            return EXIT_FINDINGS
        unplaced = len(result.draft.unplaced) if result.draft else 0
        print("已写入：" + "、".join(result.written) + (f"；另有 {unplaced} 段内容未归入任何字段（见上方 M013）。"
                                                    if unplaced else "。")
              + "请核对草稿中的“请核对”注释，再运行 python -m generator check。", file=sys.stderr)
        return EXIT_OK
    from . import scaffold

    return scaffold.run(args, root, _schemas(root))


def _schemas(root: Path) -> Path | None:
    """Scaffolded and imported files point editors at the schemas shipped in docs_src/schemas/, when present."""
    folder = root / "docs_src" / "schemas"
    return folder if folder.is_dir() else None


class Progress:
    """A bar on a terminal; a few plain lines otherwise (CI logs, files); nothing for small builds."""

    MIN_TOTAL = 200

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.last: tuple[str, int] = ("", -1)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < self.MIN_TOTAL:
            return
        step = done * (50 if self.tty else 10) // total
        if (stage, step) == self.last and done != total:
            return
        self.last = (stage, step)
        if self.tty:
            bar = "█" * (done * 30 // total) + "░" * (30 - done * 30 // total)
            end = "\n" if done == total else ""
            self.stream.write(f"\r{stage} {bar} {done}/{total}{end}")
        else:
            self.stream.write(f"{stage}：{done}/{total}\n")
        self.stream.flush()


def _resolve(root: Path, value: str | Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else root / path


def run(argv: list[str] | None = None, *, exiting: bool = False) -> int:
    """``exiting``: the process ends right after (`python -m generator`), so a build may leave
    what it made for the exit to reclaim (noop.leave_for_exit)."""
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help(sys.stderr)
        return EXIT_USAGE
    if args.command in ("import", "new"):
        return _run_authoring(args)
    root = Path(args.root).resolve()
    data_dir = _resolve(root, args.data)

    if args.command == "check":
        from . import pipeline

        gathered = pipeline.gather(data_dir, root, Progress())
        if args.format == "json":
            print(format_json(gathered.diagnostics))
        elif args.format == "github":
            if gathered.diagnostics:
                print(format_github(gathered.diagnostics))
        else:
            if gathered.diagnostics:
                print(format_text(gathered.diagnostics))
            print(format_summary(gathered.diagnostics))
        return EXIT_FINDINGS if has_failures(gathered.diagnostics, strict=args.strict) else EXIT_OK

    started = time.perf_counter()
    out_dir, templates = _resolve(root, args.out), _resolve(root, args.templates)
    years = frozenset(args.year) if args.year else None
    # A build with nothing changed is answered before the pipeline is even imported (see noop.py).
    from . import noop

    noop.EXITING = exiting
    # Loading the state, the stats and the pipeline's modules make hundreds of thousands of
    # objects and no garbage cycle: collections there only walk them (1 full, 14 middle ones
    # after one change at 10,000 projects). The pipeline decides its own collections.
    collecting = gc.isenabled()
    gc.disable()
    try:
        begun = noop.start(data_dir, out_dir, templates, root, strict=args.strict, review_report=args.review,
                           years=years)
        result = begun.answer
        if result is None:
            from . import classcode

            with classcode.kept(begun.store):
                from . import pipeline
    finally:
        if collecting:
            gc.enable()
    if result is None:
        result = pipeline.build(data_dir, out_dir, templates, root, strict=args.strict, review_report=args.review,
                                progress=Progress(), years=years, begun=begun)
    if result.diagnostics:
        print(format_text(result.diagnostics), file=sys.stderr)
    if result.failed:
        print(f"{format_summary(result.diagnostics)}生成失败，docs_src/ 未做任何修改。", file=sys.stderr)
        return EXIT_FINDINGS
    noop.leave_for_exit(result, begun)
    for note in result.notes:
        print(note, file=sys.stderr)
    written = result.written
    targets = f"、{result.unit_target_count} 个部门整体支出绩效目标" if result.unit_target_count else ""
    print(
        f"{format_summary(result.diagnostics)}已生成 {result.project_count} 个项目{targets}："
        f"写入 {len(written.written)} 页，未变 {len(written.unchanged)} 页，删除 {len(written.removed)} 页，"
        f"用时 {time.perf_counter() - started:.2f} 秒。"
    )
    return EXIT_OK


def main(argv: list[str] | None = None, *, exiting: bool = False) -> int:
    try:
        return run(argv, exiting=exiting)
    except SystemExit as leaving:
        return leaving.code if isinstance(leaving.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # never show authors a traceback
        if os.environ.get("GENERATOR_DEBUG"):
            raise
        print(f"内部错误：{type(error).__name__}: {error}\n这是生成器本身的问题，不是数据的问题。"
              "请把这条信息发给维护人员；设置环境变量 GENERATOR_DEBUG=1 可查看详细信息。", file=sys.stderr)
        return EXIT_USAGE
