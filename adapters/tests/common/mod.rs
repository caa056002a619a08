//! Shared by the integration tests: the hand-written LCS family, temporary folders, and
//! running the `patchwork` program.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The family (all invented):
/// - M, 17, looked after since 2024-03-01 (CIN referral 700045), care leaver with a PA;
/// - B, M's baby, on a CP plan for neglect since 2025-01-15 (referral 700050, ICPC by 5003);
/// - S1, 12, M's sister, in early help since 2025-02-01 with worker 5005;
/// - S2, 9, M's brother, known but with no involvement.
pub fn lcs_tables() -> HashMap<String, Vec<u8>> {
    let mut t = HashMap::new();
    let mut put = |name: &str, text: &str| {
        t.insert(name.to_owned(), text.replace('\n', "\r\n").into_bytes());
    };
    put(
        "ssd_department",
        "dept_team_id,dept_team_name,dept_team_parent_id,dept_team_parent_name\n301,Locality 2 Unit 1,30,Children's Social Care\n302,Leaving Care,,\n",
    );
    put(
        "ssd_professionals",
        "prof_professional_id,prof_staff_id,prof_professional_name,prof_social_worker_registration_no,prof_agency_worker_flag,prof_professional_job_title,prof_professional_caseload,prof_professional_department,prof_full_time_equivalency\n\
5001,E00917,Alex Example,SW123456,,Social Worker,17,Locality 2 Unit 1,1.0\n\
5002,E00455,Sam Sample,,,Independent Reviewing Officer,0,Safeguarding,0.8\n\
5003,E00321,Jo Duty,SW654321,,Social Worker,12,Duty,1.0\n\
5004,E00777,Pat Adviser,,,Personal Adviser,20,Leaving Care,1.0\n\
5005,E00888,Lee Helper,,,Early Help Practitioner,9,Early Help,1.0\n",
    );
    put(
        "ssd_person",
        "\u{feff}pers_person_id,pers_upn,pers_forename,pers_surname,pers_sex,pers_ethnicity,pers_dob,pers_expected_dob,pers_death_date,pers_legacy_id\n\
M,A123456789012,Mia,Example,F,WBRI,2008-05-04 00:00:00.000,,,L1\n\
B,,Ben,Example,M,WBRI,2024-06-30 00:00:00,,,L2\n\
S1,,Sky,Example,F,WBRI,2013-01-20,,,L3\n\
S2,,Sol,Example,M,WBRI,2016-02-11,,,L4\n",
    );
    put(
        "ssd_linked_identifiers",
        "link_table_id,link_person_id,link_identifier_type,link_identifier_value,link_valid_from_date,link_valid_to_date\n\
1,M,NHS Number,943 476 5919,,\n\
2,B,NHS Number,9434765918,,\n\
3,S1,Case Number,CN-77,,\n",
    );
    put(
        "ssd_address",
        "addr_table_id,addr_person_id,addr_address_type,addr_address_start_date,addr_address_end_date,addr_address_postcode,addr_address_json\n\
a1,M,HOME,2020-01-01,2024-03-01,ZZ1 1ZZ,\n\
a2,M,PLACEMENT,2024-03-01,,ZZ9 9ZZ,\n",
    );
    put(
        "ssd_family",
        "fami_table_id,fami_family_id,fami_person_id\nF-88-M,88,M\nF-88-B,88,B\nF-88-S1,88,S1\nF-88-S2,88,S2\n",
    );
    put(
        "ssd_mother",
        "moth_table_id,moth_person_id,moth_childs_person_id,moth_childs_dob\n1,M,B,2024-06-30\n",
    );
    put(
        "ssd_cin_episodes",
        "cine_referral_id,cine_person_id,cine_referral_date,cine_cin_primary_need_code,cine_referral_source_code,cine_referral_source_desc,cine_referral_outcome_json,cine_referral_nfa,cine_close_reason,cine_close_date,cine_referral_team,cine_referral_worker_id\n\
700045,M,2024-02-10,N1,2A,Schools,,N,,,301,5003\n\
700050,B,2024-12-01,N1,3B,Health visitor,,N,,,-1,5003\n",
    );
    put(
        "ssd_initial_cp_conference",
        "icpc_icpc_id,icpc_icpc_meeting_id,icpc_s47_enquiry_id,icpc_person_id,icpc_cp_plan_id,icpc_referral_id,icpc_icpc_transfer_in,icpc_icpc_target_date,icpc_icpc_date,icpc_icpc_outcome_cp_flag,icpc_icpc_outcome_json,icpc_icpc_team,icpc_icpc_worker_id\n\
9,9,,B,55,700050,N,2025-01-14,2025-01-15,Y,,301,5003\n",
    );
    put(
        "ssd_cp_plans",
        "cppl_cp_plan_id,cppl_referral_id,cppl_icpc_id,cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date,cppl_cp_plan_ola,cppl_cp_plan_initial_category,cppl_cp_plan_latest_category\n\
55,700050,9,B,2025-01-15,1900-01-01,,NEG,NEG\n",
    );
    put(
        "ssd_cla_episodes",
        "clae_cla_episode_id,clae_person_id,clae_cla_placement_id,clae_cla_episode_start_date,clae_cla_episode_start_reason,clae_cla_primary_need_code,clae_cla_episode_ceased_date,clae_cla_episode_ceased_reason,clae_cla_id,clae_referral_id,clae_cla_last_iro_contact_date,clae_entered_care_date\n\
E1,M,P1,2024-03-01,S,N1,,,C1,700045,,2024-03-01\n",
    );
    put(
        "ssd_early_help_episodes",
        "earl_episode_id,earl_person_id,earl_episode_start_date,earl_episode_end_date,earl_episode_reason,earl_episode_end_reason,earl_episode_organisation,earl_episode_worker_id\n\
EH1,S1,2025-02-01,,School attendance,,Early Help Hub,5005\n",
    );
    put(
        "ssd_care_leavers",
        "clea_table_id,clea_person_id,clea_care_leaver_eligibility,clea_care_leaver_in_touch,clea_care_leaver_latest_contact,clea_care_leaver_accommodation,clea_care_leaver_accom_suitable,clea_care_leaver_activity,clea_pathway_plan_review_date,clea_care_leaver_personal_advisor,clea_care_leaver_allocated_team,clea_care_leaver_worker_id\n\
CL1,M,Eligible,YES,2025-02-20,D1,1,F2,2025-06-01,Pat Adviser,302,5004\n",
    );
    put(
        "ssd_involvements",
        "invo_involvements_id,invo_professional_id,invo_professional_role_id,invo_professional_team,invo_person_id,invo_involvement_start_date,invo_involvement_end_date,invo_worker_change_reason,invo_referral_id,local_extra\n\
900001,5001,CW,301,M,2024-03-01 00:00:00.000,1900-01-01 00:00:00.000,FCONTA,700045,x\n\
900002,5002,IRO,,M,2024-03-22 00:00:00.000,,,700045,x\n\
900003,5003,CW,301,B,2024-12-01 00:00:00.000,2025-02-01 00:00:00.000,LEFTRL,700050,x\n\
900004,5001,CW,301,B,2025-02-01 00:00:00.000,,,700050,x\n\
900005,5001,CW,301,NOBODY,2025-02-01,,,,x\n\
900006,5002,IRO,,S2,2025-13-01,,,,x\n\
900007,5002,IRO,,S2,2025-03-01,2025-02-01,,,x\n\
900001,5002,IRO,,S2,2025-03-01,,,,x\n\
900008,-1,KASCHO,302,S2,2025-01-01,,,,x\n",
    );
    t
}

/// Rewrites a table: drops columns and maps each remaining row.
pub fn rewrite(
    tables: &mut HashMap<String, Vec<u8>>,
    name: &str,
    drop: &[&str],
    map: impl Fn(&str, String) -> String,
) {
    let text = String::from_utf8(tables[name].clone()).unwrap();
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !drop.contains(&header[i]))
        .collect();
    let mut out = keep
        .iter()
        .map(|&i| header[i])
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let row: Vec<String> = keep
            .iter()
            .map(|&i| map(header[i], fields[i].to_owned()))
            .collect();
        out += &(row.join(",") + "\n");
    }
    tables.insert(name.to_owned(), out.into_bytes());
}

/// The family as Mosaic writes it: no `ssd_family`, no professional names, involvements
/// without `invo_person_id`, team names where LCS has team ids, role descriptions.
pub fn mosaic_tables() -> HashMap<String, Vec<u8>> {
    let mut t = lcs_tables();
    t.remove("ssd_family");
    rewrite(
        &mut t,
        "ssd_professionals",
        &["prof_professional_name"],
        |_, v| v,
    );
    rewrite(
        &mut t,
        "ssd_involvements",
        &["invo_person_id", "local_extra"],
        |col, v| match (col, v.as_str()) {
            ("invo_professional_team", "301") => "Locality Two".into(),
            ("invo_professional_team", "302") => "Leaving Care Team".into(),
            ("invo_professional_role_id", "CW") => "Allocated Worker".into(),
            _ => v,
        },
    );
    t
}

/// The family as Eclipse writes it: professionals with every attribute but the id empty.
pub fn eclipse_tables() -> HashMap<String, Vec<u8>> {
    let mut t = lcs_tables();
    rewrite(&mut t, "ssd_professionals", &[], |col, v| {
        if col == "prof_professional_id" {
            v
        } else {
            String::new()
        }
    });
    t
}

/// A fresh folder under the system's temporary folder, removed when dropped. `name` must
/// be unique within one test binary; the process id keeps binaries apart.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let binary = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("patchwork-{binary}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A process's standard error, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `patchwork export --format json` of a store into `out_path`, and the bytes written.
pub fn export_json(store: &Path, out_path: &Path) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_patchwork"))
        .args(["export", "--format", "json", "--store"])
        .arg(store)
        .arg("--out")
        .arg(out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::read(out_path).unwrap()
}
