"""Exit codes and output formats of the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import PROJECT_DIR, REPO, run_cli

from generator import cli


def test_check_on_shipped_data_exits_zero():
    result = run_cli("check", "--root", str(REPO))
    assert result.code == 0, result.stdout
    assert "共 0 个错误" in result.stdout


def test_check_json_shape(workspace):
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", ",650000,", ",65万,")
    result = workspace.check()
    assert result.code == 1
    payload = json.loads(result.stdout)
    assert list(payload) == ["diagnostics"]
    (diagnostic,) = [d for d in payload["diagnostics"] if d["severity"] == "error"]
    assert set(diagnostic) == {"code", "rule", "severity", "path", "line", "column", "message", "hint",
                               "acknowledged"}
    assert (diagnostic["code"], diagnostic["severity"], diagnostic["path"], diagnostic["line"], diagnostic["column"]) \
        == ("S210", "error", f"{PROJECT_DIR}/budget_items.csv", 4, 23)
    assert "65万" in diagnostic["message"]


def test_check_text_format_is_path_line_column(workspace):
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", ",650000,", ",65万,")
    result = run_cli("check", "--root", str(workspace.root))
    assert result.code == 1
    assert f"\n{PROJECT_DIR}/budget_items.csv:4:23: S210 [错误] " in "\n" + result.stdout
    assert "提示：" in result.stdout


def test_all_diagnostics_are_reported_in_one_run(workspace):
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", ",650000,", ",65万,")
    # A blank 三级指标 (a blank 指标值 is a review finding since issue 9, I526).
    workspace.replace(f"{PROJECT_DIR}/indicators.csv", ",人才评审准确率,=,100%,", ",,=,100%,")
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "unit: chenggong-employment-talent-center", "unit: nobody")
    codes = {d["code"] for d in workspace.check().diagnostics}
    assert {"S210", "S212", "X301"} <= codes


def test_exit_code_1_for_errors_and_for_warnings_under_strict(workspace):
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", ",650000,", ",６５００００,")
    assert workspace.check().code == 0
    assert workspace.check("--strict").code == 1
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", "６５００００", "-1")
    assert workspace.check().code == 1


def test_usage_errors_exit_2():
    assert run_cli().code == 2
    assert run_cli("publish").code == 2
    result = run_cli("check", "--format", "xml")
    assert result.code == 2
    assert "命令行参数错误" in result.stderr


def test_missing_data_folder_is_a_finding_not_a_crash(tmp_path):
    result = run_cli("check", "--root", str(tmp_path), "--format", "json")
    assert result.code == 1
    assert result.diagnostics[0]["code"] == "F110"


def test_internal_error_exits_2_without_traceback(monkeypatch, workspace):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("generator.pipeline.gather", explode)
    result = workspace.check()
    assert result.code == 2
    assert "内部错误" in result.stderr and "Traceback" not in result.stderr


def test_module_entry_point_runs_as_a_process():
    completed = subprocess.run([sys.executable, "-m", "generator", "check", "--format", "json"],
                               cwd=REPO, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    diagnostics = json.loads(completed.stdout)["diagnostics"]
    assert diagnostics and not [d for d in diagnostics if d["severity"] == "error"]


def test_main_returns_codes_rather_than_exiting():
    assert cli.main(["--help"]) == 0


class _Stream:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_progress_is_plain_lines_without_a_terminal_and_a_bar_with_one():
    plain = _Stream(tty=False)
    progress = cli.Progress(plain)
    for done in range(1, 1001):
        progress("校验数据", done, 1000)
    assert plain.text.splitlines() == ["校验数据：1/1000"] + [f"校验数据：{n}/1000" for n in range(100, 1001, 100)]
    bar = _Stream(tty=True)
    progress = cli.Progress(bar)
    for done in range(1, 1001):
        progress("生成页面", done, 1000)
    assert bar.text.endswith("\r生成页面 " + "█" * 30 + " 1000/1000\n")
    assert "\n" not in bar.text[:-1]
    quiet = _Stream(tty=False)
    for done in range(1, 11):
        cli.Progress(quiet)("校验数据", done, 10)
    assert quiet.text == ""  # small builds stay quiet
