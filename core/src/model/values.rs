//! The value lists of DOMAIN.md: every closed list a user picks from.
//!
//! Each list is declared once with its stable code (what is stored in documents and sent
//! on the wire), its French label (shown first) and its English label. Codes never change
//! once shipped: a renamed label is a new label, never a new code. Nothing here knows about
//! storage; the Automerge mapping of a value is its code as a string.

use crate::i18n::Lang;

/// Declares a closed value list: enum, codes, labels, serde and Automerge mapping.
macro_rules! value_list {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $fr:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, ts_rs::TS)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value, in the order the UI lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in documents.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The label shown to users.
            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, Lang::Fr) => $fr, ($name::$variant, Lang::En) => $en,)+
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::model::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_code(s).ok_or_else(|| crate::model::UnknownCode {
                    list: stringify!($name),
                    code: s.to_string(),
                })
            }
        }

        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.code())
            }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, autosurgeon::HydrateError> {
                Self::from_code(s).ok_or_else(|| autosurgeon::HydrateError::unexpected(
                    concat!("a code of ", stringify!($name)), s.to_string()))
            }
        }
    };
}

value_list!(
    /// What kind of record a document holds.
    RecordKind {
        Session => "session", "Séance", "Session";
        Assessment => "assessment", "Évaluation sécuritaire", "Threat assessment";
        Workshop => "workshop", "Atelier", "Workshop";
        Recommendation => "recommendation", "Recommandation", "Recommendation";
        Committee => "committee", "Comité", "Committee";
    }
);

value_list!(
    /// Who may see a record beyond its author's device. Ordered from least to most sensitive.
    Sensitivity {
        Public => "public", "Public", "Public";
        Restricted => "restricted", "Restreint", "Restricted";
        Confidential => "confidential", "Confidentiel", "Confidential";
    }
);

value_list!(
    /// The role of a device, fixed at enrollment.
    Role {
        Member => "member", "Membre du CCS", "CCS member";
        Facilitator => "facilitator", "Facilitateur régional", "Regional facilitator";
        Reviewer => "reviewer", "Examinateur CRSS", "CRSS reviewer";
        Admin => "admin", "Administrateur", "Administrator";
    }
);

value_list!(
    CommitteeLevel {
        Regional => "regional", "Régional", "Regional";
        Communal => "communal", "Communal", "Communal";
        District => "district", "District de Bamako", "Bamako District";
    }
);

value_list!(
    /// Member groups of a committee (collèges).
    College {
        Fds => "fds", "FDS", "Defence and security forces";
        AdministrativeAuthorities => "autorites_administratives", "Autorités administratives", "Administrative authorities";
        ElectedOfficials => "elus", "Élus", "Elected officials";
        TraditionalChiefs => "chefs_traditionnels", "Chefs traditionnels/coutumiers", "Traditional chiefs";
        ReligiousLeaders => "leaders_religieux", "Leaders religieux", "Religious leaders";
        CivilSociety => "societe_civile", "Société civile", "Civil society";
        Women => "femmes", "Femmes/associations féminines", "Women/women's associations";
        Youth => "jeunes", "Jeunes", "Youth";
        Justice => "justice", "Justice", "Justice";
        Hunters => "chasseurs", "Chasseurs", "Hunters";
        Partners => "partenaires", "Partenaires", "Partners";
    }
);

value_list!(
    Sex {
        Female => "f", "Femme", "Female";
        Male => "h", "Homme", "Male";
    }
);

value_list!(
    SessionType {
        OrdinaryMonthly => "ordinaire_mensuelle", "Ordinaire mensuelle", "Ordinary monthly";
        Extraordinary => "extraordinaire", "Extraordinaire", "Extraordinary";
        Installation => "installation", "Installation", "Installation";
        ThematicCommission => "commission_thematique", "Commission thématique", "Thematic commission";
    }
);

value_list!(
    VenueType {
        TownHall => "mairie", "Mairie", "Town hall";
        Governorate => "gouvernorat", "Gouvernorat", "Governorate";
        Prefecture => "prefecture", "Préfecture", "Prefecture";
        CercleCouncil => "conseil_de_cercle", "Conseil de cercle", "Cercle council";
        Other => "autre", "Autre", "Other";
    }
);

value_list!(
    /// Who chaired a session: a role, never a name.
    ChairRole {
        Governor => "gouverneur", "Gouverneur", "Governor";
        Mayor => "maire", "Maire", "Mayor";
        DeputyMayor => "adjoint_au_maire", "Adjoint au maire", "Deputy mayor";
        Prefect => "prefet", "Préfet", "Prefect";
        Other => "autre", "Autre", "Other";
    }
);

value_list!(
    AgendaTheme {
        SecurityAssessment => "evaluation_situation", "Évaluation de la situation sécuritaire", "Security situation assessment";
        LocalDiagnosis => "diagnostic_local", "Diagnostic local de sécurité", "Local security diagnosis";
        RecommendationFollowUp => "suivi_recommandations", "Suivi des recommandations", "Follow-up of recommendations";
        Awareness => "sensibilisation", "Sensibilisation", "Awareness raising";
        CommunityPolicing => "police_de_proximite", "Police de proximité", "Community policing";
        SocialCohesion => "cohesion_sociale", "Cohésion sociale/conflits", "Social cohesion/conflicts";
        Displaced => "deplaces", "Déplacés", "Displaced people";
        Other => "autre", "Autre", "Other";
    }
);

value_list!(
    MinutesStatus {
        Draft => "brouillon", "Brouillon", "Draft";
        Adopted => "adopte", "Adopté", "Adopted";
        Signed => "signe", "Signé", "Signed";
        Transmitted => "transmis", "Transmis", "Transmitted";
    }
);

value_list!(
    ThreatCategory {
        ArmedGroups => "groupes_armes", "Groupes armés/terrorisme", "Armed groups/terrorism";
        Banditry => "banditisme", "Banditisme/braquages", "Banditry/robbery";
        Kidnapping => "enlevements", "Enlèvements", "Kidnapping";
        Ied => "eei_mines", "EEI/mines", "IEDs/mines";
        CattleTheft => "vol_de_betail", "Vol de bétail", "Cattle theft";
        Intercommunal => "conflit_intercommunautaire", "Conflit intercommunautaire", "Intercommunal conflict";
        LandConflict => "conflit_foncier", "Conflit foncier agriculteurs-éleveurs", "Farmer-herder land conflict";
        WaterPasture => "conflit_eau_paturage", "Conflit eau/pâturage", "Water/pasture conflict";
        Gbv => "vbg", "VBG", "Gender-based violence";
        Trafficking => "trafics", "Trafics (armes/drogue/personnes)", "Trafficking (arms/drugs/people)";
        UrbanCrime => "criminalite_urbaine", "Criminalité urbaine", "Urban crime";
        Blockade => "blocus", "Blocus/restriction de mouvement", "Blockade/movement restriction";
        FdsTensions => "tensions_fds_population", "Tensions FDS-population", "Security forces-population tensions";
        NaturalDisaster => "catastrophe_naturelle", "Catastrophe naturelle", "Natural disaster";
        Other => "autre", "Autre", "Other";
    }
);

value_list!(
    PlaceType {
        Village => "village_fraction", "Village/fraction", "Village/fraction";
        Quarter => "quartier", "Quartier", "Urban quarter";
        Road => "axe_routier", "Axe routier", "Road";
        Market => "marche_foire", "Marché/foire", "Market/fair";
        WaterPoint => "point_d_eau", "Point d’eau", "Water point";
        Pasture => "paturage_couloir", "Pâturage/couloir de transhumance", "Pasture/transhumance corridor";
        Border => "frontiere", "Frontière", "Border";
        DisplacedSite => "site_de_deplaces", "Site de déplacés", "Displacement site";
        School => "ecole", "École", "School";
        Other => "autre", "Autre", "Other";
    }
);

value_list!(
    /// Who is suspected: a category, never a name.
    SuspectedActor {
        ArmedGroup => "groupe_arme", "Groupe armé", "Armed group";
        Militia => "milice_autodefense", "Milice/autodéfense", "Militia/self-defence group";
        Criminals => "criminels", "Criminels", "Criminals";
        CommunityMembers => "membres_communaute", "Membres de la communauté", "Community members";
        Unknown => "inconnu", "Inconnu", "Unknown";
    }
);

value_list!(
    Trend {
        New => "nouvelle", "Nouvelle", "New";
        Rising => "en_hausse", "En hausse", "Rising";
        Stable => "stable", "Stable", "Stable";
        Falling => "en_baisse", "En baisse", "Falling";
    }
);

value_list!(
    RiskLevel {
        Low => "faible", "Faible", "Low";
        Medium => "moyen", "Moyen", "Medium";
        High => "eleve", "Élevé", "High";
        VeryHigh => "tres_eleve", "Très élevé", "Very high";
    }
);

value_list!(
    VulnerableGroup {
        Women => "femmes", "Femmes", "Women";
        Children => "enfants", "Enfants", "Children";
        Youth => "jeunes", "Jeunes", "Youth";
        Displaced => "deplaces", "Déplacés", "Displaced people";
        Herders => "eleveurs", "Éleveurs/transhumants", "Herders";
        Traders => "commercants", "Commerçants", "Traders";
        Officials => "elus_agents_etat", "Élus/agents de l’État", "Elected officials/state agents";
        Disabled => "personnes_handicapees", "Personnes handicapées", "People with disabilities";
    }
);

value_list!(
    InformationSource {
        Direct => "constat_direct", "Constat direct", "Direct observation";
        Community => "communaute", "Communauté", "Community";
        Fds => "fds", "FDS", "Security forces";
        Authorities => "autorites", "Autorités", "Authorities";
        Media => "medias", "Médias", "Media";
        Rumour => "rumeur", "Rumeur", "Rumour";
    }
);

value_list!(
    Reliability {
        Confirmed => "confirmee", "Confirmée", "Confirmed";
        Probable => "probable", "Probable", "Probable";
        Unverified => "non_verifiee", "Non vérifiée", "Unverified";
    }
);

value_list!(
    WorkshopType {
        Training => "formation", "Formation", "Training";
        CcsInstallation => "installation_ccs", "Installation de CCS", "CCS installation";
        SnRssOutreach => "vulgarisation_sn_rss", "Vulgarisation de la SN-RSS", "SN-RSS outreach";
        Dialogue => "dialogue", "Dialogue", "Dialogue";
        TrustDay => "journee_de_confiance", "Journée de confiance FDS-population", "Security forces-population trust day";
    }
);

value_list!(
    WorkshopTheme {
        RssBasics => "generalites_rss", "Généralités RSS", "SSR basics";
        SnRss => "sn_rss_plan", "SN-RSS et plan d’actions", "SN-RSS and action plan";
        CcsRoles => "roles_ccs", "Rôles et responsabilités des CCS", "Roles and responsibilities of CCS";
        CoProduction => "coproduction_securite", "Coproduction de la sécurité", "Co-production of security";
        CommunityPolicing => "police_de_proximite", "Police de proximité", "Community policing";
        Threats => "menaces_defis", "Menaces et défis", "Threats and challenges";
        FdsMissions => "missions_fds", "Missions des FDS", "Missions of the security forces";
        Gender => "genre", "Genre", "Gender";
    }
);

value_list!(
    Partner {
        Pnud => "pnud_prosmed", "PNUD/PROSMED", "UNDP/PROSMED";
        Minusma => "minusma", "MINUSMA", "MINUSMA";
        Dcaf => "dcaf", "DCAF", "DCAF";
        Eucap => "eucap_sahel", "EUCAP Sahel", "EUCAP Sahel";
        UnWomen => "onu_femmes", "ONU Femmes", "UN Women";
        Other => "autre", "Autre", "Other";
    }
);

value_list!(
    ParticipantCategory {
        Police => "police_nationale", "Police nationale", "National police";
        Gendarmerie => "gendarmerie_nationale", "Gendarmerie nationale", "National gendarmerie";
        NationalGuard => "garde_nationale", "Garde nationale", "National guard";
        Fama => "fama", "FAMa", "Armed forces (FAMa)";
        CivilProtection => "protection_civile", "Protection civile", "Civil protection";
        Elected => "elu", "Élu(e)", "Elected official";
        AdministrativeAuthority => "autorite_administrative", "Autorité administrative", "Administrative authority";
        WomenRepresentative => "representante_femmes", "Représentante des femmes", "Women's representative";
        YouthRepresentative => "representant_jeunes", "Représentant(e) des jeunes", "Youth representative";
        CcsMember => "membre_ccs", "Membre CCS", "CCS member";
        TraditionalChief => "chef_traditionnel", "Chef traditionnel", "Traditional chief";
        ReligiousLeader => "leader_religieux", "Leader religieux", "Religious leader";
        CivilSociety => "societe_civile", "Société civile", "Civil society";
        Justice => "justice", "Justice", "Justice";
        Media => "medias", "Médias", "Media";
        Other => "autre", "Autre", "Other";
    }
);

value_list!(
    Addressee {
        MayorCouncil => "maire_conseil", "Maire/conseil communal", "Mayor/communal council";
        Prefect => "prefet", "Préfet/sous-préfet", "Prefect/sub-prefect";
        Governor => "gouverneur", "Gouverneur", "Governor";
        Fds => "fds", "FDS", "Security forces";
        Justice => "justice", "Justice", "Justice";
        TraditionalAuthorities => "autorites_traditionnelles", "Autorités traditionnelles", "Traditional authorities";
        CivilSociety => "societe_civile", "Société civile", "Civil society";
        Crss => "crss", "CRSS", "CRSS";
        Partners => "partenaires", "Partenaires", "Partners";
        Ccs => "ccs", "CCS", "CCS";
    }
);

value_list!(
    /// The corps concerned when a recommendation is addressed to the security forces.
    FdsCorps {
        Police => "police_nationale", "Police nationale", "National police";
        Gendarmerie => "gendarmerie_nationale", "Gendarmerie nationale", "National gendarmerie";
        NationalGuard => "garde_nationale", "Garde nationale", "National guard";
        Fama => "fama", "FAMa", "Armed forces (FAMa)";
        CivilProtection => "protection_civile", "Protection civile", "Civil protection";
    }
);

value_list!(
    RecommendationDomain {
        Patrols => "patrouilles", "Patrouilles/présence FDS", "Patrols/security forces presence";
        Infrastructure => "eclairage_infrastructures", "Éclairage/infrastructures", "Lighting/infrastructure";
        Awareness => "sensibilisation_radio", "Sensibilisation/radio", "Awareness/radio";
        Mediation => "mediation_cohesion", "Médiation/cohésion", "Mediation/cohesion";
        FdsLogistics => "logistique_fds", "Logistique FDS", "Security forces logistics";
        Protection => "protection_vbg", "Protection/VBG", "Protection/GBV";
        Displaced => "deplaces", "Déplacés", "Displaced people";
        Justice => "justice", "Justice", "Justice";
        Other => "autre", "Autre", "Other";
    }
);

value_list!(
    Priority {
        High => "haute", "Haute", "High";
        Medium => "moyenne", "Moyenne", "Medium";
        Low => "basse", "Basse", "Low";
    }
);

value_list!(
    RecommendationStatus {
        Proposed => "proposee", "Proposée", "Proposed";
        Adopted => "adoptee", "Adoptée", "Adopted";
        Transmitted => "transmise", "Transmise", "Transmitted";
        InProgress => "en_cours", "En cours", "In progress";
        Done => "realisee", "Réalisée", "Done";
        PartlyDone => "partiellement_realisee", "Partiellement réalisée", "Partly done";
        NotDone => "non_realisee", "Non réalisée", "Not done";
        Lapsed => "caduque", "Caduque", "Lapsed";
    }
);

value_list!(
    /// A decision in a record's review trail.
    Decision {
        Submitted => "submitted", "Soumis", "Submitted";
        Validated => "validated", "Validé par le facilitateur", "Validated by the facilitator";
        Approved => "approved", "Approuvé CRSS", "Approved by the CRSS";
        NeedsCorrection => "needs_correction", "À corriger", "Needs correction";
        Reopened => "reopened", "Rouvert", "Reopened";
        // The two below record what happened to the document, not a review: a copy
        // made without history. They never change the derived status.
        Declassified => "declassified", "Copie déclassifiée", "Declassified copy";
        Purged => "purged", "Copie sans historique (purge)", "Copy without history (purge)";
        // A member takes back a submission no reviewer has decided on yet: the record
        // is a draft again.
        Withdrawn => "withdrawn", "Soumission retirée", "Submission withdrawn";
        // A tombstone: the record was saved by mistake. It stays in the document (who
        // and when are in the trail) but is hidden from lists and indicators.
        Deleted => "deleted", "Supprimée", "Deleted";
    }
);

value_list!(
    /// Where a record stands in review, derived from its trail.
    ReviewStatus {
        Draft => "draft", "Non soumis", "Not submitted";
        Submitted => "submitted", "Soumis", "Submitted";
        Validated => "validated", "Validé", "Validated";
        Approved => "approved", "Approuvé", "Approved";
        NeedsCorrection => "needs_correction", "À corriger", "Needs correction";
        Reopened => "reopened", "Rouvert", "Reopened";
        Deleted => "deleted", "Supprimée", "Deleted";
    }
);
