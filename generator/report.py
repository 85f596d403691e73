"""The 数据核查 (review) report: diagnostics grouped for finance reviewers.

Only a ``build --review`` renders it; a public build never shows findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic, Severity
from .model import Dataset
from .rules import RULES, Rule


@dataclass(frozen=True)
class Finding:
    diagnostic: Diagnostic
    location: str
    severity: str


@dataclass(frozen=True)
class Subject:
    """What a finding is about: a project, a unit, or another data file."""

    key: str  # stable anchor, e.g. "project-2026-talent-service-funds"
    title: str
    page: str | None  # generated page of the subject, if any


@dataclass
class SubjectFindings:
    subject: Subject
    findings: list[Finding] = field(default_factory=list)


@dataclass
class RuleGroup:
    rule: Rule
    severity: str
    count: int
    subjects: list[SubjectFindings]


@dataclass
class ProjectFindings:
    subject_key: str
    open: list[Finding] = field(default_factory=list)
    acknowledged: list[Finding] = field(default_factory=list)

    def _count(self, severity: Severity) -> int:
        return sum(1 for f in self.open if f.diagnostic.severity is severity)

    @property
    def errors(self) -> int:
        return self._count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self._count(Severity.WARNING)

    @property
    def infos(self) -> int:
        return self._count(Severity.INFO)


@dataclass
class ReviewView:
    counts: dict[str, int]
    groups: list[RuleGroup]
    acknowledged: list[tuple[Subject, Finding]]
    subjects: list[tuple[Subject, int]]
    by_project: dict[tuple[int, str], ProjectFindings]


def _subjects(dataset: Dataset) -> dict[str, tuple[Subject, tuple[int, str] | None]]:
    """Subject (and project key) by the path that identifies it: a project's folder or a unit's file.

    A dict, so that a report with many findings over thousands of projects looks each
    one up directly instead of scanning every project.
    """
    out: dict[str, tuple[Subject, tuple[int, str] | None]] = {}
    for project in dataset.projects:
        page = (f"units/{project.unit.value}/{project.year}-{project.id}.md" if project.is_unit_target
                else f"projects/{project.year}/{project.id}.md")
        out[project.folder] = (Subject(f"project-{project.year}-{project.id}",
                                       f"{project.name.value}（{project.year}年）", page), project.key)
    for unit in dataset.units.values():
        out[unit.path] = (Subject(f"unit-{unit.id}", unit.name.value, f"units/{unit.id}.md"), None)
    return out


def _subject_of(path: str, subjects) -> tuple[Subject, tuple[int, str] | None]:
    # Project findings sit in files directly inside the project folder.
    found = subjects.get(path) or subjects.get(path.rpartition("/")[0])
    if found:
        return found
    slug = "file-" + "".join(c if c.isalnum() else "-" for c in path)
    return Subject(slug, path, None), None


def review_view(dataset: Dataset, diagnostics: list[Diagnostic]) -> ReviewView:
    subjects = _subjects(dataset)
    counts = {"error": 0, "warning": 0, "info": 0, "acknowledged": 0}
    groups: dict[str, RuleGroup] = {}
    group_subjects: dict[tuple[str, str], SubjectFindings] = {}
    acknowledged: list[tuple[Subject, Finding]] = []
    per_subject: dict[str, tuple[Subject, int]] = {}
    by_project = {p.key: ProjectFindings(f"project-{p.year}-{p.id}") for p in dataset.projects}
    for d in diagnostics:
        subject, project_key = _subject_of(d.location.path, subjects)
        finding = Finding(d, str(d.location), d.severity.label)
        if d.acknowledged is not None:
            counts["acknowledged"] += 1
            acknowledged.append((subject, finding))
            if project_key:
                by_project[project_key].acknowledged.append(finding)
            continue
        counts[d.severity.value] += 1
        per_subject[subject.key] = (subject, per_subject.get(subject.key, (subject, 0))[1] + 1)
        if project_key:
            by_project[project_key].open.append(finding)
        group = groups.setdefault(d.code, RuleGroup(RULES[d.code], d.severity.label, 0, []))
        group.count += 1
        bucket = group_subjects.get((d.code, subject.key))
        if bucket is None:
            bucket = group_subjects[(d.code, subject.key)] = SubjectFindings(subject)
            group.subjects.append(bucket)
        bucket.findings.append(finding)
    ordered = sorted(groups.values(), key=lambda g: (RULES[g.rule.code].severity.rank, g.rule.code))
    for group in ordered:
        group.subjects.sort(key=lambda s: s.subject.key)
    return ReviewView(counts, ordered, acknowledged, sorted(per_subject.values(), key=lambda s: s[0].key),
                      by_project)
