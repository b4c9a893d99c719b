//! The controlled vocabularies of DESIGN.md, with stable codes, English and French labels, and the
//! names the 2017 DSI4EU platform used for them (so importers can map old data).
//!
//! The database holds the vocabularies as data (table `taxonomy_term`); this module is the seed
//! that start-up inserts where a term is missing, and the reference for validation.

use serde::{Deserialize, Serialize};

use crate::text::fold;

/// A stable taxonomy code, e.g. `OPEN_DATA`.
pub type TermCode = String;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Vocabulary {
    OrganisationType,
    OrganisationSize,
    Focus,
    Technology,
    ImpactArea,
    OrganisationRole,
    Sdg,
}

impl Vocabulary {
    pub const ALL: [Vocabulary; 7] = [
        Self::OrganisationType,
        Self::OrganisationSize,
        Self::Focus,
        Self::Technology,
        Self::ImpactArea,
        Self::OrganisationRole,
        Self::Sdg,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::OrganisationType => "ORGANISATION_TYPE",
            Self::OrganisationSize => "ORGANISATION_SIZE",
            Self::Focus => "FOCUS",
            Self::Technology => "TECHNOLOGY",
            Self::ImpactArea => "IMPACT_AREA",
            Self::OrganisationRole => "ORGANISATION_ROLE",
            Self::Sdg => "SDG",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == code)
    }

    /// The seeded terms of this vocabulary, in display order.
    pub fn terms(self) -> &'static [Term] {
        match self {
            Self::OrganisationType => ORGANISATION_TYPES,
            Self::OrganisationSize => ORGANISATION_SIZES,
            Self::Focus => FOCUS,
            Self::Technology => TECHNOLOGIES,
            Self::ImpactArea => IMPACT_AREAS,
            Self::OrganisationRole => ORGANISATION_ROLES,
            Self::Sdg => SDGS,
        }
    }

    pub fn term(self, code: &str) -> Option<&'static Term> {
        self.terms().iter().find(|t| t.code == code)
    }

    /// Finds the term a free-typed or legacy name stands for: its English label or one of its
    /// 2017 names, compared without case, accents or punctuation.
    pub fn term_by_name(self, name: &str) -> Option<&'static Term> {
        let wanted = fold(name);
        if wanted.is_empty() {
            return None;
        }
        self.terms().iter().find(|t| {
            fold(t.label_en) == wanted || t.legacy_names.iter().any(|n| fold(n) == wanted)
        })
    }
}

/// One seeded term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub code: &'static str,
    pub label_en: &'static str,
    pub label_fr: &'static str,
    /// Names this term had in earlier data (the 2017 DSI4EU export).
    pub legacy_names: &'static [&'static str],
}

const fn term(code: &'static str, label_en: &'static str, label_fr: &'static str) -> Term {
    Term {
        code,
        label_en,
        label_fr,
        legacy_names: &[],
    }
}

const fn legacy(
    code: &'static str,
    label_en: &'static str,
    label_fr: &'static str,
    legacy_names: &'static [&'static str],
) -> Term {
    Term {
        code,
        label_en,
        label_fr,
        legacy_names,
    }
}

pub static ORGANISATION_TYPES: &[Term] = &[
    legacy(
        "SOCIAL_ENTERPRISE_OR_NON_PROFIT",
        "Social enterprise, charity, foundation or other non-profit",
        "Entreprise sociale, association, fondation ou autre organisme sans but lucratif",
        &["Social enterprise, charity, foundation or other non-profit"],
    ),
    term(
        "FOR_PROFIT",
        "For-profit business",
        "Entreprise à but lucratif",
    ),
    legacy(
        "ACADEMIA_RESEARCH",
        "Academia/Research organisation",
        "Université ou organisme de recherche",
        &["Academia/Research organisation"],
    ),
    term(
        "GRASSROOTS",
        "Grassroots organisation or community network",
        "Organisation de terrain ou réseau communautaire",
    ),
    legacy(
        "GOVERNMENT_PUBLIC_SECTOR",
        "Government/Public sector",
        "Administration ou secteur public",
        &["Government/Public Sector"],
    ),
];

pub static ORGANISATION_SIZES: &[Term] = &[
    legacy("SIZE_0_5", "0-5 people", "0 à 5 personnes", &["0-5 people"]),
    legacy(
        "SIZE_6_10",
        "6-10 people",
        "6 à 10 personnes",
        &["6-10 people"],
    ),
    legacy(
        "SIZE_11_25",
        "11-25 people",
        "11 à 25 personnes",
        &["11-25 people"],
    ),
    legacy(
        "SIZE_26_50",
        "26-50 people",
        "26 à 50 personnes",
        &["26-50 people"],
    ),
    legacy(
        "SIZE_51_100",
        "51-100 people",
        "51 à 100 personnes",
        &["51-100 people"],
    ),
    legacy(
        "SIZE_101_500",
        "101-500 people",
        "101 à 500 personnes",
        &["101-500 people"],
    ),
    legacy(
        "SIZE_501_1000",
        "501-1000 people",
        "501 à 1000 personnes",
        &["501-1000 people"],
    ),
    legacy(
        "SIZE_OVER_1000",
        "Over 1000 people",
        "Plus de 1000 personnes",
        &["over-1000 people"],
    ),
];

pub static FOCUS: &[Term] = &[
    term("OPEN_HARDWARE", "Open hardware", "Matériel ouvert"),
    term("OPEN_NETWORKS", "Open networks", "Réseaux ouverts"),
    term("OPEN_DATA", "Open data", "Données ouvertes"),
    term("OPEN_KNOWLEDGE", "Open knowledge", "Savoirs ouverts"),
];

pub static IMPACT_AREAS: &[Term] = &[
    legacy(
        "SKILLS_AND_LEARNING",
        "Skills and learning",
        "Compétences et apprentissage",
        &["Education and skills"],
    ),
    legacy(
        "DIGITAL_DEMOCRACY",
        "Digital democracy",
        "Démocratie numérique",
        &["Participation and democracy", "partecipation and democracy"],
    ),
    legacy(
        "CULTURE_AND_ARTS",
        "Culture and arts",
        "Culture et arts",
        &["Culture and artsd print"],
    ),
    legacy(
        "HEALTH_AND_CARE",
        "Health and care",
        "Santé et soins",
        &["Health and wellbeing"],
    ),
    term(
        "WORK_AND_EMPLOYMENT",
        "Work and employment",
        "Travail et emploi",
    ),
    legacy(
        "CITIES_AND_URBAN_DEVELOPMENT",
        "Cities and urban development",
        "Villes et développement urbain",
        &["Neighbourhood regeneration"],
    ),
    legacy(
        "FOOD_ENVIRONMENT_CLIMATE",
        "Food, environment and climate change",
        "Alimentation, environnement et changement climatique",
        &["Energy and environment"],
    ),
    term("SCIENCE", "Science", "Science"),
    term(
        "FINANCE_AND_ECONOMY",
        "Finance and economy",
        "Finance et économie",
    ),
    term(
        "MIGRATION_AND_INTEGRATION",
        "Migration and integration",
        "Migration et intégration",
    ),
];

pub static TECHNOLOGIES: &[Term] = &[
    term(
        "SOCIAL_MEDIA",
        "Social networks and social media",
        "Réseaux sociaux et médias sociaux",
    ),
    term(
        "CROWDSOURCING",
        "Crowdsourcing, crowdmapping and crowdfunding",
        "Production participative, cartographie participative et financement participatif",
    ),
    term("OPEN_DATA", "Open data", "Données ouvertes"),
    legacy(
        "MOBILE_AND_WEB_APPS",
        "Mobile and web apps",
        "Applications mobiles et web",
        &["mobile app"],
    ),
    legacy(
        "OPEN_SOURCE",
        "Open-source technologies",
        "Technologies libres et open source",
        &["open source"],
    ),
    term(
        "PEER_TO_PEER",
        "Peer-to-peer networks",
        "Réseaux pair à pair",
    ),
    term(
        "ONLINE_LEARNING",
        "Online learning and MOOCs",
        "Formation en ligne et MOOC",
    ),
    term(
        "ONLINE_MARKETPLACES",
        "Online marketplaces and noticeboards",
        "Places de marché et panneaux d'annonces en ligne",
    ),
    term("BIG_DATA", "Big data", "Mégadonnées"),
    term(
        "SENSORS_IOT",
        "Sensors and internet of things",
        "Capteurs et internet des objets",
    ),
    term(
        "GEOTAGGING_GIS",
        "Geotagging, GPS and GIS",
        "Géolocalisation, GPS et SIG",
    ),
    legacy(
        "DIGITAL_FABRICATION",
        "Digital fabrication and 3D-printing",
        "Fabrication numérique et impression 3D",
        &["digital fabrication", "3d printing", "3d print"],
    ),
    term(
        "WEARABLES",
        "Wearables and personal monitoring",
        "Objets connectés portables et suivi personnel",
    ),
    legacy(
        "AI_AND_MACHINE_LEARNING",
        "AI and machine learning",
        "IA et apprentissage automatique",
        &[
            "Artificial intelligence and machine learning",
            "artificial intelligence",
        ],
    ),
    term(
        "DIGITAL_DEMOCRACY_TOOLS",
        "Digital democracy tools",
        "Outils de démocratie numérique",
    ),
    legacy(
        "BLOCKCHAIN",
        "Blockchain and distributed networks",
        "Chaîne de blocs et réseaux distribués",
        &["blockchain"],
    ),
    term("ROBOTICS", "Robotics", "Robotique"),
    term("VR_AND_AR", "VR and AR", "Réalité virtuelle et augmentée"),
];

pub static ORGANISATION_ROLES: &[Term] = &[
    term("INNOVATOR", "Innovator", "Innovateur"),
    term("FUNDER", "Funder", "Financeur"),
    term(
        "SUPPORT_ORGANISATION",
        "Support organisation",
        "Structure d'accompagnement",
    ),
    term("PUBLIC_BODY", "Public body", "Organisme public"),
    term("RESEARCH", "Research", "Recherche"),
];

pub static SDGS: &[Term] = &[
    term("SDG_1", "No poverty", "Pas de pauvreté"),
    term("SDG_2", "Zero hunger", "Faim « zéro »"),
    term(
        "SDG_3",
        "Good health and well-being",
        "Bonne santé et bien-être",
    ),
    term("SDG_4", "Quality education", "Éducation de qualité"),
    term("SDG_5", "Gender equality", "Égalité entre les sexes"),
    term(
        "SDG_6",
        "Clean water and sanitation",
        "Eau propre et assainissement",
    ),
    term(
        "SDG_7",
        "Affordable and clean energy",
        "Énergie propre et d'un coût abordable",
    ),
    term(
        "SDG_8",
        "Decent work and economic growth",
        "Travail décent et croissance économique",
    ),
    term(
        "SDG_9",
        "Industry, innovation and infrastructure",
        "Industrie, innovation et infrastructure",
    ),
    term("SDG_10", "Reduced inequalities", "Inégalités réduites"),
    term(
        "SDG_11",
        "Sustainable cities and communities",
        "Villes et communautés durables",
    ),
    term(
        "SDG_12",
        "Responsible consumption and production",
        "Consommation et production responsables",
    ),
    term(
        "SDG_13",
        "Climate action",
        "Mesures relatives à la lutte contre les changements climatiques",
    ),
    term("SDG_14", "Life below water", "Vie aquatique"),
    term("SDG_15", "Life on land", "Vie terrestre"),
    term(
        "SDG_16",
        "Peace, justice and strong institutions",
        "Paix, justice et institutions efficaces",
    ),
    term(
        "SDG_17",
        "Partnerships for the goals",
        "Partenariats pour la réalisation des objectifs",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_within_each_vocabulary() {
        for v in Vocabulary::ALL {
            let mut codes: Vec<_> = v.terms().iter().map(|t| t.code).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), v.terms().len(), "{v:?}");
        }
    }

    #[test]
    fn seeded_sizes_match_design() {
        assert_eq!(TECHNOLOGIES.len(), 18);
        assert_eq!(SDGS.len(), 17);
        assert_eq!(ORGANISATION_SIZES.len(), 8);
    }

    #[test]
    fn legacy_names_map_to_2018_terms() {
        let area = |n| Vocabulary::ImpactArea.term_by_name(n).map(|t| t.code);
        assert_eq!(area("Education and skills"), Some("SKILLS_AND_LEARNING"));
        assert_eq!(
            area("Participation and democracy"),
            Some("DIGITAL_DEMOCRACY")
        );
        assert_eq!(
            area("Energy and environment"),
            Some("FOOD_ENVIRONMENT_CLIMATE")
        );
        assert_eq!(area("Health and wellbeing"), Some("HEALTH_AND_CARE"));
        assert_eq!(area("travel"), None);
        let tech = |n| Vocabulary::Technology.term_by_name(n).map(|t| t.code);
        assert_eq!(tech("sensors and internet of things"), Some("SENSORS_IOT"));
        assert_eq!(tech("big data"), Some("BIG_DATA"));
        assert_eq!(
            Vocabulary::OrganisationSize
                .term_by_name("over-1000 people")
                .map(|t| t.code),
            Some("SIZE_OVER_1000")
        );
        assert_eq!(
            Vocabulary::OrganisationType
                .term_by_name("Government/Public Sector")
                .map(|t| t.code),
            Some("GOVERNMENT_PUBLIC_SECTOR")
        );
    }
}
