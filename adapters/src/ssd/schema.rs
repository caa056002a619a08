//! The SSD tables Patchwork reads and writes, and their column names (the Liquidlogic
//! LCS DDL, v1.4.5, which Mosaic and Eclipse follow with the differences noted in
//! [`crate::ssd`]). Import and export both use these names, so they cannot drift apart.

/// One SSD table: its name (the CSV file is `<name>.csv`) and its columns in DDL order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// Table name, such as `ssd_person`.
    pub name: &'static str,
    /// Column names in DDL order.
    pub columns: &'static [&'static str],
}

impl Table {
    /// The CSV file name: `<name>.csv`.
    pub fn file_name(&self) -> String {
        format!("{}.csv", self.name)
    }
}

macro_rules! tables {
    ($($(#[$doc:meta])* $konst:ident = $name:literal [$($col:literal),* $(,)?];)*) => {
        $(
            $(#[$doc])*
            pub const $konst: Table = Table { name: $name, columns: &[$($col),*] };
        )*
        /// Every table Patchwork reads, in the order an import reads them.
        pub const ALL: &[Table] = &[$($konst),*];
    };
}

tables! {
    /// Teams (`ssd_department`).
    DEPARTMENT = "ssd_department" ["dept_team_id", "dept_team_name", "dept_team_parent_id", "dept_team_parent_name"];
    /// Professionals (`ssd_professionals`).
    PROFESSIONALS = "ssd_professionals" [
        "prof_professional_id", "prof_staff_id", "prof_professional_name",
        "prof_social_worker_registration_no", "prof_agency_worker_flag",
        "prof_professional_job_title", "prof_professional_caseload",
        "prof_professional_department", "prof_full_time_equivalency",
    ];
    /// Children (`ssd_person`).
    PERSON = "ssd_person" [
        "pers_legacy_id", "pers_person_id", "pers_upn", "pers_forename", "pers_surname",
        "pers_sex", "pers_gender", "pers_ethnicity", "pers_dob", "pers_single_unique_id",
        "pers_upn_unknown", "pers_send_flag", "pers_expected_dob", "pers_death_date",
        "pers_is_mother", "pers_nationality",
    ];
    /// Other identifiers of persons: NHS number, UPN, case numbers (`ssd_linked_identifiers`).
    LINKED_IDENTIFIERS = "ssd_linked_identifiers" [
        "link_table_id", "link_person_id", "link_identifier_type", "link_identifier_value",
        "link_valid_from_date", "link_valid_to_date",
    ];
    /// Addresses; Patchwork keeps the current postcode (`ssd_address`).
    ADDRESS = "ssd_address" [
        "addr_table_id", "addr_person_id", "addr_address_type", "addr_address_start_date",
        "addr_address_end_date", "addr_address_postcode", "addr_address_json",
    ];
    /// Family groups (`ssd_family`; absent from Mosaic).
    FAMILY = "ssd_family" ["fami_table_id", "fami_family_id", "fami_person_id"];
    /// Mother -> child links for young mothers (`ssd_mother`).
    MOTHER = "ssd_mother" ["moth_table_id", "moth_person_id", "moth_childs_person_id", "moth_childs_dob"];
    /// Child in need episodes, referral to closure (`ssd_cin_episodes`).
    CIN_EPISODES = "ssd_cin_episodes" [
        "cine_referral_id", "cine_person_id", "cine_referral_date", "cine_cin_primary_need_code",
        "cine_referral_source_code", "cine_referral_source_desc", "cine_referral_outcome_json",
        "cine_referral_nfa", "cine_close_reason", "cine_close_date", "cine_referral_team",
        "cine_referral_worker_id",
    ];
    /// Assessments (`ssd_cin_assessments`): activities of the assessing worker.
    CIN_ASSESSMENTS = "ssd_cin_assessments" [
        "cina_assessment_id", "cina_person_id", "cina_referral_id", "cina_assessment_start_date",
        "cina_assessment_child_seen", "cina_assessment_auth_date", "cina_assessment_outcome_json",
        "cina_assessment_outcome_nfa", "cina_assessment_team", "cina_assessment_worker_id",
    ];
    /// Child in need plans (`ssd_cin_plans`): activities of the plan's worker.
    CIN_PLANS = "ssd_cin_plans" [
        "cinp_cin_plan_id", "cinp_referral_id", "cinp_person_id", "cinp_cin_plan_start_date",
        "cinp_cin_plan_end_date", "cinp_cin_plan_team", "cinp_cin_plan_worker_id",
    ];
    /// Section 47 enquiries (`ssd_s47_enquiry`).
    S47_ENQUIRY = "ssd_s47_enquiry" [
        "s47e_s47_enquiry_id", "s47e_referral_id", "s47e_person_id", "s47e_s47_start_date",
        "s47e_s47_end_date", "s47e_s47_nfa", "s47e_s47_outcome_json",
        "s47e_s47_completed_by_team", "s47e_s47_completed_by_worker_id",
    ];
    /// Initial child protection conferences (`ssd_initial_cp_conference`): activities.
    INITIAL_CP_CONFERENCE = "ssd_initial_cp_conference" [
        "icpc_icpc_id", "icpc_icpc_meeting_id", "icpc_s47_enquiry_id", "icpc_person_id",
        "icpc_cp_plan_id", "icpc_referral_id", "icpc_icpc_transfer_in", "icpc_icpc_target_date",
        "icpc_icpc_date", "icpc_icpc_outcome_cp_flag", "icpc_icpc_outcome_json", "icpc_icpc_team",
        "icpc_icpc_worker_id",
    ];
    /// Child protection plans (`ssd_cp_plans`).
    CP_PLANS = "ssd_cp_plans" [
        "cppl_cp_plan_id", "cppl_referral_id", "cppl_icpc_id", "cppl_person_id",
        "cppl_cp_plan_start_date", "cppl_cp_plan_end_date", "cppl_cp_plan_ola",
        "cppl_cp_plan_initial_category", "cppl_cp_plan_latest_category",
    ];
    /// Looked-after episodes (`ssd_cla_episodes`).
    CLA_EPISODES = "ssd_cla_episodes" [
        "clae_cla_episode_id", "clae_person_id", "clae_cla_placement_id",
        "clae_cla_episode_start_date", "clae_cla_episode_start_reason",
        "clae_cla_primary_need_code", "clae_cla_episode_ceased_date",
        "clae_cla_episode_ceased_reason", "clae_cla_id", "clae_referral_id",
        "clae_cla_last_iro_contact_date", "clae_entered_care_date",
    ];
    /// Early help episodes (`ssd_early_help_episodes`); the episode's worker leads it.
    EARLY_HELP_EPISODES = "ssd_early_help_episodes" [
        "earl_episode_id", "earl_person_id", "earl_episode_start_date", "earl_episode_end_date",
        "earl_episode_reason", "earl_episode_end_reason", "earl_episode_organisation",
        "earl_episode_worker_id",
    ];
    /// Care leavers (`ssd_care_leavers`); the allocated personal adviser is an involvement.
    CARE_LEAVERS = "ssd_care_leavers" [
        "clea_table_id", "clea_person_id", "clea_care_leaver_eligibility",
        "clea_care_leaver_in_touch", "clea_care_leaver_latest_contact",
        "clea_care_leaver_accommodation", "clea_care_leaver_accom_suitable",
        "clea_care_leaver_activity", "clea_pathway_plan_review_date",
        "clea_care_leaver_personal_advisor", "clea_care_leaver_allocated_team",
        "clea_care_leaver_worker_id",
    ];
    /// Involvements: professional or team -> child over time (`ssd_involvements`).
    INVOLVEMENTS = "ssd_involvements" [
        "invo_involvements_id", "invo_professional_id", "invo_professional_role_id",
        "invo_professional_team", "invo_person_id", "invo_involvement_start_date",
        "invo_involvement_end_date", "invo_worker_change_reason", "invo_referral_id",
    ];
}

/// Other names some systems give a column: (table, the name in [`ALL`], the other name).
/// Mosaic's DDL names the CIN plan id `cin_plan_id`.
pub const COLUMN_ALIASES: &[(&str, &str, &str)] =
    &[("ssd_cin_plans", "cinp_cin_plan_id", "cin_plan_id")];

/// The other name of `column` in `table`, if a system uses one.
pub fn alias_of(table: &str, column: &str) -> Option<&'static str> {
    COLUMN_ALIASES
        .iter()
        .find(|(t, c, _)| *t == table && *c == column)
        .map(|(_, _, alias)| *alias)
}
