"""CIN census import: Patchwork beside lxml, on the same file, in the same run.

    python benches/compare/compare_cin_lxml.py [--tier M] [--repeats 5]

Builds (once) and runs `compare_cin_import` (release) for our figures: a full import into
a network. The lxml side parses the same file with `lxml.etree.iterparse` (clearing each
child after use, as a streaming reader must) into rows: one dict per child (identifiers and
characteristics) and one per CINdetails, assessment, section 47 and plan, values as text.
It does strictly less than our import (no network, no validation of codes). Prints the
medians and the ratios, of wall time and of the importing thread's CPU time (on a shared
machine the wall time includes waiting for a core).
"""

import argparse
import json
import os
import statistics
import subprocess
import time

from lxml import etree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def text(el, name):
    found = el.find(name)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def parse_rows(path):
    children, episodes, assessments, s47s, plans = [], [], [], [], []
    for _, child in etree.iterparse(path, events=("end",), tag="Child"):
        ids = child.find("ChildIdentifiers")
        chars = child.find("ChildCharacteristics")
        la_id = text(ids, "LAchildID")
        children.append(
            {
                "LAchildID": la_id,
                "UPN": text(ids, "UPN"),
                "FormerUPN": text(ids, "FormerUPN"),
                "UPNunknown": text(ids, "UPNunknown"),
                "PersonBirthDate": text(ids, "PersonBirthDate"),
                "ExpectedPersonBirthDate": text(ids, "ExpectedPersonBirthDate"),
                "Sex": text(ids, "Sex") or text(ids, "GenderCurrent"),
                "PersonDeathDate": text(ids, "PersonDeathDate"),
                "Ethnicity": text(chars, "Ethnicity"),
                "Disabilities": [d.text for d in chars.iter("Disability")],
            }
        )
        for n, cin in enumerate(child.iterfind("CINdetails"), 1):
            episodes.append(
                {
                    "LAchildID": la_id,
                    "CINdetailsID": n,
                    "CINreferralDate": text(cin, "CINreferralDate"),
                    "ReferralSource": text(cin, "ReferralSource"),
                    "PrimaryNeedCode": text(cin, "PrimaryNeedCode"),
                    "CINclosureDate": text(cin, "CINclosureDate"),
                    "ReasonForClosure": text(cin, "ReasonForClosure"),
                    "DateOfInitialCPC": text(cin, "DateOfInitialCPC"),
                    "ReferralNFA": text(cin, "ReferralNFA"),
                }
            )
            for a in cin.iterfind("Assessments"):
                assessments.append(
                    {
                        "LAchildID": la_id,
                        "CINdetailsID": n,
                        "AssessmentActualStartDate": text(a, "AssessmentActualStartDate"),
                        "AssessmentInternalReviewDate": text(a, "AssessmentInternalReviewDate"),
                        "AssessmentAuthorisationDate": text(a, "AssessmentAuthorisationDate"),
                        "AssessmentFactors": [f.text for f in a.iter("AssessmentFactors")],
                    }
                )
            for s in cin.iterfind("Section47"):
                s47s.append(
                    {
                        "LAchildID": la_id,
                        "CINdetailsID": n,
                        "S47ActualStartDate": text(s, "S47ActualStartDate"),
                        "InitialCPCtarget": text(s, "InitialCPCtarget"),
                        "DateOfInitialCPC": text(s, "DateOfInitialCPC"),
                        "ICPCnotRequired": text(s, "ICPCnotRequired"),
                    }
                )
            for p in cin.iterfind("ChildProtectionPlans"):
                plans.append(
                    {
                        "LAchildID": la_id,
                        "CINdetailsID": n,
                        "CPPstartDate": text(p, "CPPstartDate"),
                        "CPPendDate": text(p, "CPPendDate"),
                        "InitialCategoryOfAbuse": text(p, "InitialCategoryOfAbuse"),
                        "LatestCategoryOfAbuse": text(p, "LatestCategoryOfAbuse"),
                        "NumberOfPreviousCPP": text(p, "NumberOfPreviousCPP"),
                        "Reviews": [r.text for r in p.iter("CPPreviewDate")],
                    }
                )
        child.clear()
        while child.getprevious() is not None:
            del child.getparent()[0]
    return children, episodes, assessments, s47s, plans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tier", default="M")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    cargo = ["cargo", "run", "-q", "--release", "-p", "patchwork-benches", "--bin", "compare_cin_import", "--"]
    path = subprocess.run(
        cargo + ["--tier", args.tier, "--write-only"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    ours = json.loads(
        subprocess.run(
            cargo + ["--tier", args.tier, "--repeats", str(args.repeats)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip().splitlines()[-1]
    )
    size = os.path.getsize(path)
    times, cpu = [], []
    for _ in range(args.repeats):
        t, c = time.perf_counter(), time.thread_time()
        rows = parse_rows(path)
        times.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    lxml_median = statistics.median(times)
    lxml_cpu = statistics.median(cpu)
    print(f"file: {path} ({size / 1e6:.1f} MB, {len(rows[0])} children, {len(rows[1])} CIN episodes)")
    print(
        f"patchwork import: median {ours['median_s'] * 1000:.0f} ms wall ({ours['mb_per_s']:.0f} MB/s), "
        f"{ours['cpu_median_s'] * 1000:.0f} ms CPU ({ours['cpu_mb_per_s']:.0f} MB/s), peak {ours['peak_rss_mib']} MiB"
    )
    print(
        f"lxml iterparse to rows: median {lxml_median * 1000:.0f} ms wall ({size / 1e6 / lxml_median:.0f} MB/s), "
        f"{lxml_cpu * 1000:.0f} ms CPU ({size / 1e6 / lxml_cpu:.0f} MB/s)"
    )
    print(
        f"ratio lxml / patchwork: {lxml_median / ours['median_s']:.1f}x wall, "
        f"{lxml_cpu / ours['cpu_median_s']:.1f}x CPU"
    )


if __name__ == "__main__":
    main()
