"""Shared fixtures: a small SSD extract worked out by hand, and small generated networks.

The extract is the LCS "family of four" of the adapters' tests (adapters/tests/common), so
the answers below were worked out by hand from these rows, independently of the bindings:

* M (Mia, born 2008-05-04, NHS 943 476 5919, UPN A123456789012) is looked after since
  2024-03-01: allocated social worker 5001 (Alex Example, team 301 "Locality 2 Unit 1")
  since 2024-03-01, IRO 5002 since 2024-03-22, personal adviser 5004 (team 302 "Leaving
  Care", open dates) from the care leavers table. She is B's mother.
* B (Ben) is on a child protection plan since 2025-01-15: social worker 5003 (Jo Duty)
  from 2024-12-01 to 2025-02-01 (LEFTRL), then 5001 from 2025-02-01. No health
  professional, so B has a no_health_professional gap.
* S1 has early help led by 5005 since 2025-02-01; S2 has one team-only involvement
  (team 302, unknown role code KASCHO) since 2025-01-01.
* All four are in family 88. Bad rows of ssd_involvements.csv are on lines 6 (unknown
  person), 7 (bad start date), 8 (end before start) and 9 (duplicate id).
"""

from __future__ import annotations

import datetime
import pathlib
from typing import Dict

import pytest

import patchwork

DAY = datetime.date(2025, 3, 1)

SSD_TABLES: Dict[str, str] = {
    "ssd_department": (
        "dept_team_id,dept_team_name,dept_team_parent_id,dept_team_parent_name\n"
        "301,Locality 2 Unit 1,30,Children's Social Care\n"
        "302,Leaving Care,,\n"
    ),
    "ssd_professionals": (
        "prof_professional_id,prof_staff_id,prof_professional_name,"
        "prof_social_worker_registration_no,prof_agency_worker_flag,"
        "prof_professional_job_title,prof_professional_caseload,"
        "prof_professional_department,prof_full_time_equivalency\n"
        "5001,E00917,Alex Example,SW123456,,Social Worker,17,Locality 2 Unit 1,1.0\n"
        "5002,E00455,Sam Sample,,,Independent Reviewing Officer,0,Safeguarding,0.8\n"
        "5003,E00321,Jo Duty,SW654321,,Social Worker,12,Duty,1.0\n"
        "5004,E00777,Pat Adviser,,,Personal Adviser,20,Leaving Care,1.0\n"
        "5005,E00888,Lee Helper,,,Early Help Practitioner,9,Early Help,1.0\n"
    ),
    "ssd_person": (
        "\ufeffpers_person_id,pers_upn,pers_forename,pers_surname,pers_sex,pers_ethnicity,"
        "pers_dob,pers_expected_dob,pers_death_date,pers_legacy_id\n"
        "M,A123456789012,Mia,Example,F,WBRI,2008-05-04 00:00:00.000,,,L1\n"
        "B,,Ben,Example,M,WBRI,2024-06-30 00:00:00,,,L2\n"
        "S1,,Sky,Example,F,WBRI,2013-01-20,,,L3\n"
        "S2,,Sol,Example,M,WBRI,2016-02-11,,,L4\n"
    ),
    "ssd_linked_identifiers": (
        "link_table_id,link_person_id,link_identifier_type,link_identifier_value,"
        "link_valid_from_date,link_valid_to_date\n"
        "1,M,NHS Number,943 476 5919,,\n"
        "2,B,NHS Number,9434765918,,\n"
        "3,S1,Case Number,CN-77,,\n"
    ),
    "ssd_address": (
        "addr_table_id,addr_person_id,addr_address_type,addr_address_start_date,"
        "addr_address_end_date,addr_address_postcode,addr_address_json\n"
        "a1,M,HOME,2020-01-01,2024-03-01,ZZ1 1ZZ,\n"
        "a2,M,PLACEMENT,2024-03-01,,ZZ9 9ZZ,\n"
    ),
    "ssd_family": (
        "fami_table_id,fami_family_id,fami_person_id\n"
        "F-88-M,88,M\nF-88-B,88,B\nF-88-S1,88,S1\nF-88-S2,88,S2\n"
    ),
    "ssd_mother": (
        "moth_table_id,moth_person_id,moth_childs_person_id,moth_childs_dob\n"
        "1,M,B,2024-06-30\n"
    ),
    "ssd_cin_episodes": (
        "cine_referral_id,cine_person_id,cine_referral_date,cine_cin_primary_need_code,"
        "cine_referral_source_code,cine_referral_source_desc,cine_referral_outcome_json,"
        "cine_referral_nfa,cine_close_reason,cine_close_date,cine_referral_team,"
        "cine_referral_worker_id\n"
        "700045,M,2024-02-10,N1,2A,Schools,,N,,,301,5003\n"
        "700050,B,2024-12-01,N1,3B,Health visitor,,N,,,-1,5003\n"
    ),
    "ssd_initial_cp_conference": (
        "icpc_icpc_id,icpc_icpc_meeting_id,icpc_s47_enquiry_id,icpc_person_id,"
        "icpc_cp_plan_id,icpc_referral_id,icpc_icpc_transfer_in,icpc_icpc_target_date,"
        "icpc_icpc_date,icpc_icpc_outcome_cp_flag,icpc_icpc_outcome_json,icpc_icpc_team,"
        "icpc_icpc_worker_id\n"
        "9,9,,B,55,700050,N,2025-01-14,2025-01-15,Y,,301,5003\n"
    ),
    "ssd_cp_plans": (
        "cppl_cp_plan_id,cppl_referral_id,cppl_icpc_id,cppl_person_id,"
        "cppl_cp_plan_start_date,cppl_cp_plan_end_date,cppl_cp_plan_ola,"
        "cppl_cp_plan_initial_category,cppl_cp_plan_latest_category\n"
        "55,700050,9,B,2025-01-15,1900-01-01,,NEG,NEG\n"
    ),
    "ssd_cla_episodes": (
        "clae_cla_episode_id,clae_person_id,clae_cla_placement_id,"
        "clae_cla_episode_start_date,clae_cla_episode_start_reason,"
        "clae_cla_primary_need_code,clae_cla_episode_ceased_date,"
        "clae_cla_episode_ceased_reason,clae_cla_id,clae_referral_id,"
        "clae_cla_last_iro_contact_date,clae_entered_care_date\n"
        "E1,M,P1,2024-03-01,S,N1,,,C1,700045,,2024-03-01\n"
    ),
    "ssd_early_help_episodes": (
        "earl_episode_id,earl_person_id,earl_episode_start_date,earl_episode_end_date,"
        "earl_episode_reason,earl_episode_end_reason,earl_episode_organisation,"
        "earl_episode_worker_id\n"
        "EH1,S1,2025-02-01,,School attendance,,Early Help Hub,5005\n"
    ),
    "ssd_care_leavers": (
        "clea_table_id,clea_person_id,clea_care_leaver_eligibility,clea_care_leaver_in_touch,"
        "clea_care_leaver_latest_contact,clea_care_leaver_accommodation,"
        "clea_care_leaver_accom_suitable,clea_care_leaver_activity,"
        "clea_pathway_plan_review_date,clea_care_leaver_personal_advisor,"
        "clea_care_leaver_allocated_team,clea_care_leaver_worker_id\n"
        "CL1,M,Eligible,YES,2025-02-20,D1,1,F2,2025-06-01,Pat Adviser,302,5004\n"
    ),
    "ssd_involvements": (
        "invo_involvements_id,invo_professional_id,invo_professional_role_id,"
        "invo_professional_team,invo_person_id,invo_involvement_start_date,"
        "invo_involvement_end_date,invo_worker_change_reason,invo_referral_id,local_extra\n"
        "900001,5001,CW,301,M,2024-03-01 00:00:00.000,1900-01-01 00:00:00.000,FCONTA,700045,x\n"
        "900002,5002,IRO,,M,2024-03-22 00:00:00.000,,,700045,x\n"
        "900003,5003,CW,301,B,2024-12-01 00:00:00.000,2025-02-01 00:00:00.000,LEFTRL,700050,x\n"
        "900004,5001,CW,301,B,2025-02-01 00:00:00.000,,,700050,x\n"
        "900005,5001,CW,301,NOBODY,2025-02-01,,,,x\n"
        "900006,5002,IRO,,S2,2025-13-01,,,,x\n"
        "900007,5002,IRO,,S2,2025-03-01,2025-02-01,,,x\n"
        "900001,5002,IRO,,S2,2025-03-01,,,,x\n"
        "900008,-1,KASCHO,302,S2,2025-01-01,,,,x\n"
    ),
}

FEED_HEADER = (
    "record_id,agency_id,agency_name,agency_kind,team_id,team_name,professional_id,"
    "professional_name,role_code,role_category,child_nhs_number,child_upn,child_la_id,"
    "child_given_name,start_date,end_date,sensitivity\n"
)


def write_ssd(folder: pathlib.Path, tables: Dict[str, str] = SSD_TABLES) -> pathlib.Path:
    """Write the tables as ``<name>.csv`` files (CRLF line ends, as LCS writes them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return folder


@pytest.fixture(scope="session")
def ssd_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return write_ssd(tmp_path_factory.mktemp("ssd"))


@pytest.fixture(scope="session")
def ssd_net(ssd_dir: pathlib.Path) -> patchwork.Network:
    return patchwork.Network.from_ssd(ssd_dir)


@pytest.fixture(scope="session")
def small_net() -> patchwork.Network:
    """A generated council of 600 persons, 2,400 involvements, 80 professionals."""
    return patchwork.generate(sizes=(600, 2400, 80), seed=11)
