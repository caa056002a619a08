"""The CIN census exports for 2024-25 and 2025-26 validate against the corpus XSDs.

The census files come from the `cin_census` example (a tier-S synthetic council); the
schemas are the liia-tools-pipeline copies of the DfE CIN schemas. No network access.
"""

import pathlib
import subprocess

import pytest
import xmlschema

REPO = pathlib.Path(__file__).resolve().parents[2]
# The shared corpus sits beside the clone (or two levels up for a worktree).
SPEC = next(
    base / "shared/corpus/liia-tools-pipeline/liiatools/cin_census_pipeline/spec"
    for base in (REPO.parent, REPO.parent.parent)
    if (base / "shared/corpus").is_dir()
)


@pytest.fixture(scope="module")
def census_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cin")
    subprocess.run(
        ["cargo", "run", "-q", "-p", "patchwork-examples", "--example", "cin_census", "--", str(out)],
        cwd=REPO,
        check=True,
    )
    return out / "cin"


@pytest.mark.parametrize("year", ["2025", "2026"])
def test_export_validates_against_the_xsd_of_its_year(census_dir, year):
    schema = xmlschema.XMLSchema(str(SPEC / f"CIN_schema_{year}.xsd"))
    census = census_dir / f"{year}.xml"
    errors = list(schema.iter_errors(str(census)))
    assert errors == [], [f"{e.path}: {e.reason}" for e in errors[:5]]
    # The census is not trivial: it holds every kind of module the schema defines.
    text = census.read_text()
    for element in ("<CINdetails>", "<ChildProtectionPlans>", "<CPPreviewDate>"):
        assert element in text
    if year == "2025":
        for element in ("<Assessments>", "<AssessmentFactors>", "<Section47>", "<CINPlanDates>"):
            assert element in text


def test_the_xsd_check_can_fail(census_dir):
    """A census with Sex 1 (a GenderCurrent code) is refused by the 2024-25 schema."""
    schema = xmlschema.XMLSchema(str(SPEC / "CIN_schema_2025.xsd"))
    text = (census_dir / "2025.xml").read_text()
    broken = text.replace("<Sex>M</Sex>", "<Sex>1</Sex>", 1)
    assert broken != text
    assert not schema.is_valid(broken)
