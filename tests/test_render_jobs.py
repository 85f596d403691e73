"""site_jobs' shortcuts give the very paths and keys of the general ways they replaced.

A build makes a page job and a downloads job for each of 10,000 projects, so site_jobs writes
their paths and keys out in one loop instead of calling project_page(), download_dir(), key()
and exports.downloads_key() for each, and puts each job's make() together only when asked.
The keys are kept in the build state: a key computed another way would make every page again
(tests/test_cache.py checks which pages a change makes again; these tests pin the values).
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import fields

from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO

from generator import cache, exports, publish
from generator.compute import portal_view, project_view
from generator.pipeline import gather
from generator.render import Pager, paginate, project_page, site_jobs, unit_page


def _corpus():
    spec = importlib.util.spec_from_file_location("corpus", REPO / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Sources:
    """render.Sources over whole models, with made-up keys."""

    def __init__(self, dataset):
        self.units = dataset.units
        self.models = {project.key: project for project in dataset.projects}
        self.asked: list[str] = []

    def project_key(self, listed) -> str:
        return hashlib.sha256(f"project {listed.project.year} {listed.project.id}".encode()).hexdigest()

    def project_keys(self, listed) -> list[str]:
        return [self.project_key(view) for view in listed]

    def unit_key(self, unit_id: str) -> str:
        return hashlib.sha256(f"unit {unit_id}".encode()).hexdigest()

    def view(self, listed):
        self.asked.append(listed.project.id)
        return project_view(self.models[listed.project.key], self.units[listed.unit.id])

    def downloads(self, view) -> dict[str, bytes]:
        return {f"{exports.download_dir(view.project)}/project.json": b"{}"}


def test_project_and_downloads_jobs_keep_the_general_paths_and_keys(tmp_path):
    _corpus().generate(tmp_path, units=4, projects=3, years=2, seed=7)
    dataset = gather(tmp_path / "budget_data", tmp_path).dataset
    portal = portal_view(dataset)
    sources = _Sources(dataset)
    base = ("templates digest", "portal digest")
    made = site_jobs(dataset, portal, REPO / "site_templates", sources, base)
    jobs = {job.path: job for job in made}
    assert len(jobs) == len(made)
    assert portal.previous_year and portal.next_year  # two years: pages name their neighbours' keys
    prefix = cache.key("page", *base).encode()
    serials = publish.project_serials(portal.projects)
    for listed in portal.projects:
        project_key, unit_key = sources.project_key(listed), sources.unit_key(listed.unit.id)
        earlier, later = portal.previous_year.get(listed.project.key), portal.next_year.get(listed.project.key)
        parts = ["project", project_key, unit_key, str(serials[listed.project.key]),
                 sources.project_key(earlier) if earlier else "", sources.project_key(later) if later else ""]
        page = jobs[project_page(listed)]
        assert page.key == hashlib.sha256(prefix + "\0".join(parts).encode()).hexdigest()
        downloads = jobs[f"{exports.download_dir(listed.project)}/"]
        assert downloads.key == exports.downloads_key(project_key, unit_key)
    assert sources.asked == []  # making the jobs made no view
    # make() is put together when asked for: the project's page, then its downloads.
    listed = portal.projects[-1]
    assert list(jobs[project_page(listed)].make()) == [project_page(listed)]
    assert jobs[f"{exports.download_dir(listed.project)}/"].make() == {
        f"{exports.download_dir(listed.project)}/project.json": b"{}"}
    assert listed.project.id in sources.asked


def test_a_review_build_keys_no_page_but_keeps_the_downloads_keys(tmp_path):
    from generator.report import review_view

    _corpus().generate(tmp_path, units=2, projects=2, years=1, seed=3)
    dataset = gather(tmp_path / "budget_data", tmp_path).dataset
    portal = portal_view(dataset)
    sources = _Sources(dataset)
    jobs = site_jobs(dataset, portal, REPO / "site_templates", sources, ("t", "p"), review_view(dataset, []))
    assert [job.path for job in jobs if job.key is not None] == [
        f"{exports.download_dir(listed.project)}/" for listed in portal.projects]


@given(st.lists(st.tuples(st.text(), st.text()), max_size=8))
def test_downloads_keys_are_downloads_key(pairs):
    project_keys, unit_keys = [p for p, _ in pairs], [u for _, u in pairs]
    assert exports.downloads_keys(project_keys, unit_keys) == [exports.downloads_key(p, u) for p, u in pairs]


@given(st.integers(min_value=0, max_value=1600))
def test_pager_repr_is_the_dataclass_repr(rows):
    """Listing keys hold a pager's repr: Pager writes its own, as the dataclass would."""
    for pager, _ in paginate(tuple(range(rows)), lambda number: unit_page("unit-a", number)):
        generated = f"Pager({', '.join(f'{f.name}={getattr(pager, f.name)!r}' for f in fields(pager))})"
        assert repr(pager) == generated
        assert pager.links[pager.number - 1] == (pager.number, unit_page("unit-a", pager.number))


def test_paginate_one_page_and_many():
    path = lambda number: unit_page("u", number)  # noqa: E731
    assert paginate((), path) == [(Pager(1, 1, 1, 0, ((1, "units/u.md"),)), ())]
    pages = paginate(tuple(range(1001)), path)
    assert [(pager.number, pager.count, pager.first, pager.last, len(chunk)) for pager, chunk in pages] == [
        (1, 3, 1, 500, 500), (2, 3, 501, 1000, 500), (3, 3, 1001, 1001, 1)]


def test_the_portals_groups_are_its_projects_filtered(tmp_path):
    _corpus().generate(tmp_path, units=5, projects=4, years=3, seed=5)
    portal = portal_view(gather(tmp_path / "budget_data", tmp_path).dataset)
    assert portal.years() == sorted({view.project.year for view in portal.projects}) == [2026, 2027, 2028]
    for year in (*portal.years(), 1999):
        assert portal.in_year(year) == tuple(view for view in portal.projects if view.project.year == year)
    codes = {view.project.functional_classification.code.value for view in portal.projects
             if view.project.functional_classification}
    assert len(codes) > 1
    for code in (*codes, "0000000"):
        assert portal.in_classification(code) == tuple(
            view for view in portal.projects
            if view.project.functional_classification and view.project.functional_classification.code.value == code)


_VIEWS = st.lists(st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.sampled_from([2025, 2026]),
                            st.text(alphabet="abc-1", min_size=1, max_size=3)),
                  unique_by=lambda t: (t[1], t[2]), max_size=30)


@given(_VIEWS)
def test_project_serials_number_a_units_projects_of_a_year_by_id(triples):
    """In any order of the views (a portal's come sorted by year and id)."""
    from types import SimpleNamespace

    views = [SimpleNamespace(unit=SimpleNamespace(id=unit), project=SimpleNamespace(year=year, id=pid))
             for unit, year, pid in triples]
    expected = {}
    for unit, year, pid in triples:
        same = sorted(p for u, y, p in triples if (u, y) == (unit, year))
        expected[year, pid] = same.index(pid) + 1
    assert publish.project_serials(views) == expected
