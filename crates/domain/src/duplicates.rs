//! Duplicate detection: whether two organisations are probably one and the same ("twins"), and
//! why. Pure functions over [`Organisation`]s; finding the candidates to compare and showing the
//! reasons to a moderator are the callers' business.
//!
//! Three signals, from the strongest:
//!
//! 1. a shared legal identifier (same register, same number);
//! 2. the same website host, unless the host is a platform that many unrelated organisations
//!    share (a social network, a blog or site host);
//! 3. a similar name in the same country: names are compared without case, accents,
//!    punctuation, legal forms (`Ltd`, `GmbH`, `vzw`…) and the articles "the" and "a", by
//!    [`name_similarity`] against [`SIMILAR_NAME_THRESHOLD`].

use crate::model::{LegalIdentifier, Organisation};
use crate::text::fold;
use crate::validation::url_host;

/// Why two organisations look like the same one.
#[derive(Debug, Clone, PartialEq)]
pub enum DuplicateReason {
    /// Both carry this identifier (as written on the first organisation, trimmed).
    SharedLegalIdentifier { scheme: String, value: String },
    /// Both websites are on this host (see [`website_host`]).
    SameWebsiteHost { host: String },
    /// Both are in the same country (or one has none) and their names are this alike, from
    /// [`SIMILAR_NAME_THRESHOLD`] to 1.0 (see [`name_similarity`]).
    SimilarName { similarity: f64 },
}

impl DuplicateReason {
    /// The stable code shown in the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SharedLegalIdentifier { .. } => "SHARED_LEGAL_IDENTIFIER",
            Self::SameWebsiteHost { .. } => "SAME_WEBSITE_HOST",
            Self::SimilarName { .. } => "SIMILAR_NAME",
        }
    }

    /// One sentence for a moderator, e.g. "Both websites are on waag.org."
    pub fn describe(&self) -> String {
        match self {
            Self::SharedLegalIdentifier { scheme, value } => {
                format!("Both have the legal identifier {scheme}-{value}.")
            }
            Self::SameWebsiteHost { host } => format!("Both websites are on {host}."),
            Self::SimilarName { similarity } if *similarity >= 1.0 => "Their names are the same \
                 once case, accents, punctuation and legal forms are set aside."
                .to_owned(),
            Self::SimilarName { similarity } => {
                // Rounded down, so that a near match never reads as "100%".
                let percent = (similarity.clamp(0.0, 1.0) * 100.0).floor();
                format!("Their names are {percent:.0}% alike.")
            }
        }
    }
}

/// Names at least this alike by [`name_similarity`], in the same country, are reported as
/// twins.
///
/// Chosen on the 2017 DSI4EU export (1,228 organisations, 80,957 pairs within one country, the
/// "no country" records counting as one country). Every twin there whose names are variants of
/// one another scores 0.86 or more (twins under different names, such as `City of Eindhoven` /
/// `municipality of Eindhoven` at 0.778, are left to the other signals): ten at 0.95–1.0 (`ESSRG` / `ESSRG Ltd.`, `Patients like me` / `PatientsLikeMe`,
/// `Sea Communication` / `Sea Communications`…) and one at 0.864 (`CEREHC Centre d'etudes et de
/// recherche sur l'esthetique et l'histoire du cinema` / `CERHEC Centre d'etudes et de recherche
/// en histoire et esthetique du cinema`, same address). The highest different organisations
/// score 0.815 (`Rewired State` / `Young Rewired State`), 0.800 (`Barcelona Lab` / `Fab Lab
/// Barcelona`) and 0.765 (`University of Torino` / `University of Trento`). Above 0.85 only two
/// non-twins remain (besides the test entries `prova` / `prova2`, 0.889, which the importer
/// refuses): `Changers` / `The Changer` (0.923: short names differing by one letter)
/// and `DISI - University of Trento` / `University of Trento` (0.895: a department and its
/// university), which a moderator dismisses at a glance.
pub const SIMILAR_NAME_THRESHOLD: f64 = 0.85;

/// Words that say what legal form an organisation has, or nothing at all, in the registry's
/// languages, as [`fold`] writes them. Dotted forms (`e.V.`, `S.r.l.`, `A/S`) are first joined
/// by [`comparable_name`] (`ev`, `srl`, `as`). They are dropped wherever they stand, which
/// costs little when a word such as "as" is also English: both names lose it alike.
#[rustfmt::skip]
const NOISE_WORDS: &[&str] = &[
    // Articles.
    "the", "a",
    // English-speaking countries.
    "ltd", "limited", "plc", "llp", "cic", "cio", "inc", "llc", "corp",
    // Germany, Austria, Switzerland.
    "gmbh", "ggmbh", "ug", "ev", "eg", "ag",
    // France, Belgium, Luxembourg.
    "sa", "sas", "sasu", "sarl", "asbl", "vzw", "scrl", "sprl", "bvba",
    // Netherlands.
    "bv", "nv",
    // Spain, Italy, Portugal.
    "sl", "slu", "srl", "spa", "scarl", "onlus", "lda",
    // Nordic countries.
    "ab", "oy", "oyj", "as", "asa", "aps",
];

/// A name as compared for duplicates: [`fold`]ed (lower case, no accents, no punctuation), with
/// dotted abbreviations joined (`"e. V."` → `ev`) and the legal-form words and articles of
/// [`NOISE_WORDS`] dropped, words separated by single spaces. `"The Nesta Ltd."` → `"nesta"`.
///
/// A name made of such words only (`"S.A."`) keeps them, so that it does not compare as empty.
pub fn comparable_name(name: &str) -> String {
    let folded = fold(name);
    let words = join_initials(&folded);
    let kept: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|word| !NOISE_WORDS.contains(word))
        .collect();
    if kept.is_empty() {
        words.join(" ")
    } else {
        kept.join(" ")
    }
}

/// The words of folded text, with each run of two or more one-letter words joined into one:
/// `"e v"` → `["ev"]`, `"s r l"` → `["srl"]`, `"dr g roscher"` stays as it is.
fn join_initials(folded: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut run = String::new();
    let mut run_len = 0;
    let flush = |words: &mut Vec<String>, run: &mut String, run_len: &mut usize| {
        if *run_len > 0 {
            words.push(std::mem::take(run));
            *run_len = 0;
        }
    };
    for word in folded.split(' ').filter(|w| !w.is_empty()) {
        if word.chars().count() == 1 {
            run.push_str(word);
            run_len += 1;
        } else {
            flush(&mut words, &mut run, &mut run_len);
            words.push(word.to_owned());
        }
    }
    flush(&mut words, &mut run, &mut run_len);
    words
}

/// Hosts that many unrelated organisations use, whose subdomains are their tenants:
/// `wordpress.com` itself says nothing, `waag.wordpress.com` is one organisation's site.
const SHARED_PLATFORM_HOSTS: &[&str] = &[
    "wordpress.com",
    "blogspot.com",
    "wixsite.com",
    "wix.com",
    "squarespace.com",
    "weebly.com",
    "jimdo.com",
    "jimdofree.com",
    "over-blog.com",
    "tumblr.com",
    "medium.com",
    "substack.com",
    "github.com",
    "github.io",
    "gitlab.com",
    "eventbrite.com",
    "eventbrite.co.uk",
    "meetup.com",
    "kickstarter.com",
    "indiegogo.com",
    "ulule.com",
    "goteo.org",
    "crowdfunder.co.uk",
    "justgiving.com",
    "change.org",
    "linktr.ee",
    "bit.ly",
    "vimeo.com",
    "flickr.com",
    "slideshare.net",
    "issuu.com",
];

/// Hosts that many unrelated organisations use, whose subdomains are languages, mobile
/// versions or services of the same platform rather than tenants (`m.facebook.com`,
/// `uk.linkedin.com`, `sites.google.com`, `en.wikipedia.org`, `ec.europa.eu`): the host and all
/// its subdomains say nothing.
const SHARED_SERVICE_HOSTS: &[&str] = &[
    "facebook.com",
    "fb.com",
    "twitter.com",
    "x.com",
    "linkedin.com",
    "instagram.com",
    "youtube.com",
    "youtu.be",
    "tiktok.com",
    "google.com",
    "wikipedia.org",
    "europa.eu",
];

/// The host of an organisation's website for comparing websites: [`url_host`] (lower case, no
/// port) without a leading `www.`. `None` for a URL that [`url_host`] refuses and for the hosts
/// many unrelated organisations share (a Facebook page, a bare `wordpress.com`); a tenant's
/// subdomain (`waag.wordpress.com`) is kept.
pub fn website_host(url: &str) -> Option<String> {
    let host = url_host(url)?;
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let shared = SHARED_PLATFORM_HOSTS.contains(&host)
        || SHARED_SERVICE_HOSTS.iter().any(|service| {
            host.strip_suffix(service)
                .is_some_and(|sub| sub.is_empty() || sub.ends_with('.'))
        });
    (!shared).then(|| host.to_owned())
}

/// How alike two names are, from 0 (nothing in common) to 1 (the same [`comparable_name`]).
///
/// The Sørensen–Dice coefficient on character bigrams,
/// `2 × shared bigrams / (bigrams of a + bigrams of b)`, with bigrams counted with repetition
/// and taken from the comparable names with their spaces removed, so that `"OpenData"` and
/// `"Open Data"` match. It forgives a letter missed or added (`"Sea Communication"` /
/// `"Sea Communications"`: 0.97) and rewards long common stretches, where Jaro–Winkler also
/// rewards a mere common start (it gives 0.90 to `"University of Dundee"` / `"University of
/// Oxford"`, Dice 0.65). Word order barely counts, which is why names are only compared within
/// one country.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (comparable_name(a), comparable_name(b));
    if a == b {
        return 1.0;
    }
    let (mut x, mut y) = (bigrams(&a), bigrams(&b));
    let total = x.len() + y.len();
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    x.sort_unstable();
    y.sort_unstable();
    let (mut i, mut j, mut shared) = (0, 0, 0_usize);
    while let (Some(p), Some(q)) = (x.get(i), y.get(j)) {
        match p.cmp(q) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    // Both counts are name lengths, far below 2^52: the conversions are exact.
    (2 * shared) as f64 / total as f64
}

fn bigrams(comparable: &str) -> Vec<(char, char)> {
    let letters: Vec<char> = comparable.chars().filter(|c| *c != ' ').collect();
    letters.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Why `a` and `b` look like the same organisation; empty when nothing says so. Reasons come
/// strongest first: shared legal identifiers, the same website host, a similar name (only when
/// both are in the same country or one of them has none).
pub fn twin_reasons(a: &Organisation, b: &Organisation) -> Vec<DuplicateReason> {
    let mut reasons = Vec::new();
    let mut seen = Vec::new();
    for id in &a.legal_identifiers {
        let key = identifier_key(id);
        if key.is_some()
            && !seen.contains(&key)
            && b.legal_identifiers
                .iter()
                .any(|other| identifier_key(other) == key)
        {
            reasons.push(DuplicateReason::SharedLegalIdentifier {
                scheme: id.scheme.trim().to_owned(),
                value: id.value.trim().to_owned(),
            });
        }
        seen.push(key);
    }
    let host = |o: &Organisation| o.website.as_deref().and_then(website_host);
    if let (Some(host_a), Some(host_b)) = (host(a), host(b))
        && host_a == host_b
    {
        reasons.push(DuplicateReason::SameWebsiteHost { host: host_a });
    }
    if same_country(a, b) {
        let similarity = name_similarity(&a.name, &b.name);
        if similarity >= SIMILAR_NAME_THRESHOLD {
            reasons.push(DuplicateReason::SimilarName { similarity });
        }
    }
    reasons
}

/// What makes two legal identifiers the same: the scheme and the value, trimmed, without case.
/// `None` when either is blank.
fn identifier_key(id: &LegalIdentifier) -> Option<(String, String)> {
    let (scheme, value) = (id.scheme.trim(), id.value.trim());
    (!scheme.is_empty() && !value.is_empty())
        .then(|| (scheme.to_ascii_uppercase(), value.to_lowercase()))
}

/// The countries do not differ: the same code, or at least one side without one. Names in
/// different countries are often alike by chance (Crowdculture, SE / CultureCrowd, UK), but a
/// record without a country is as likely a twin as any: in the DSI4EU export, comparing those
/// too finds 4 more real pairs and no false one at the threshold.
fn same_country(a: &Organisation, b: &Organisation) -> bool {
    let country = |o: &Organisation| {
        o.place
            .country
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_ascii_uppercase)
    };
    match (country(a), country(b)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Classification, LegalIdentifier, Place, RecordMeta, RecordStatus, Source};

    fn organisation(name: &str, country: Option<&str>, website: Option<&str>) -> Organisation {
        Organisation {
            meta: RecordMeta::new(RecordStatus::Published, Source::Web),
            name: name.to_owned(),
            slug: crate::text::slugify(name),
            short_description: None,
            description: None,
            website: website.map(str::to_owned),
            other_links: Vec::new(),
            logo_url: None,
            organisation_type: None,
            size: None,
            founded_on: None,
            legal_identifiers: Vec::new(),
            place: Place {
                country: country.map(str::to_owned),
                ..Place::default()
            },
            classification: Classification::default(),
            roles: Vec::new(),
            network_memberships: Vec::new(),
            tags: Vec::new(),
        }
    }

    fn identifier(scheme: &str, value: &str) -> LegalIdentifier {
        LegalIdentifier {
            scheme: scheme.to_owned(),
            value: value.to_owned(),
        }
    }

    fn codes(reasons: &[DuplicateReason]) -> Vec<&'static str> {
        reasons.iter().map(DuplicateReason::code).collect()
    }

    #[test]
    fn legal_forms_and_articles_are_dropped() {
        assert_eq!(comparable_name("Nesta Ltd"), "nesta");
        assert_eq!(comparable_name("NESTA"), "nesta");
        assert_eq!(comparable_name("The Young Foundation"), "young foundation");
        assert_eq!(comparable_name("iDROPS vzw"), "idrops");
        assert_eq!(
            comparable_name("Open Knowledge Foundation Deutschland e. V."),
            "open knowledge foundation deutschland"
        );
        assert_eq!(comparable_name("Rete S.r.l."), "rete");
        assert_eq!(comparable_name("Roskilde A/S"), "roskilde");
        assert_eq!(
            comparable_name("ICS Dr.  G.  Roscher  GmbH"),
            "ics dr g roscher"
        );
        // A name of noise words only is kept whole rather than emptied.
        assert_eq!(comparable_name("S.A."), "sa");
        assert_eq!(comparable_name("The A"), "the a");
        assert_eq!(name_similarity("Nesta Ltd", "NESTA"), 1.0);
    }

    #[test]
    fn accents_and_punctuation_do_not_count() {
        assert_eq!(
            comparable_name("Fundación Ciudadanía"),
            comparable_name("Fundacion Ciudadania")
        );
        assert_eq!(
            name_similarity("Fundación Ciudadanía", "Fundacion Ciudadania"),
            1.0
        );
        // Spaces do not count either.
        assert_eq!(
            name_similarity("Open Data Manchester", "OpenData Manchester"),
            1.0
        );
        assert_eq!(name_similarity("We Sign It", "Wesign.it"), 1.0);
    }

    #[test]
    fn similarity_is_symmetric_and_bounded() {
        let pairs = [
            ("Sea Communication", "Sea Communications"),
            ("Open Data Institute", "Open Knowledge Foundation"),
            ("a", "b"),
            ("", "Waag"),
            ("X", "X"),
        ];
        for (a, b) in pairs {
            let s = name_similarity(a, b);
            assert!((0.0..=1.0).contains(&s), "{a} / {b}: {s}");
            assert_eq!(s, name_similarity(b, a), "{a} / {b}");
        }
        assert_eq!(name_similarity("a", "b"), 0.0);
        assert_eq!(name_similarity("", "Waag"), 0.0);
        assert_eq!(name_similarity("X", "x"), 1.0);
    }

    /// Pairs of the 2017 DSI4EU export (ids in brackets) that fixed [`SIMILAR_NAME_THRESHOLD`]:
    /// twins just above it, different organisations just below.
    #[test]
    fn threshold_separates_dsi4eu_twins_from_neighbours() {
        let twins = [
            ("ESSRG", "ESSRG Ltd."),                     // 488, 575
            ("Patients like me", "PatientsLikeMe"),      // 955, 345
            ("Sea Communication", "Sea Communications"), // 63, 331
            (
                "CEREHC Centre d'etudes et de recherche sur l'esthetique et l'histoire du cinema",
                "CERHEC Centre d'etudes et de recherche en histoire et esthetique du cinema",
            ), // 890, 1017
        ];
        for (a, b) in twins {
            let s = name_similarity(a, b);
            assert!(s >= SIMILAR_NAME_THRESHOLD, "{a} / {b}: {s}");
        }
        let different = [
            ("Rewired State", "Young Rewired State"),         // 709, 391
            ("Barcelona Lab", "Fab Lab Barcelona"),           // 1166, 1105
            ("University of Torino", "University of Trento"), // 72, 361
            ("University of Dundee", "University of Oxford"), // 221, 958
            ("Fundacion tMA", "Fundacion Maimona"),           // 444, 119
        ];
        for (a, b) in different {
            let s = name_similarity(a, b);
            assert!(s < SIMILAR_NAME_THRESHOLD, "{a} / {b}: {s}");
        }
        let s = name_similarity("Sea Communication", "Sea Communications");
        assert!((s - 30.0 / 31.0).abs() < 1e-12, "{s}");
    }

    #[test]
    fn clearly_different_names_stay_below_the_threshold() {
        let s = name_similarity("Open Data Institute", "Open Knowledge Foundation");
        assert!(s < SIMILAR_NAME_THRESHOLD, "{s}");
        assert!(s < 0.5, "{s}");
    }

    #[test]
    fn website_hosts_ignore_scheme_www_and_path() {
        assert_eq!(
            website_host("https://www.waag.org/en").as_deref(),
            Some("waag.org")
        );
        assert_eq!(website_host("http://waag.org").as_deref(), Some("waag.org"));
        assert_eq!(
            website_host("HTTP://WWW.Waag.ORG:8080/").as_deref(),
            Some("waag.org")
        );
        assert_eq!(website_host("waag.org"), None);
        assert_eq!(website_host("not a url"), None);
    }

    #[test]
    fn shared_platform_hosts_are_no_signal() {
        for url in [
            "https://www.facebook.com/waag",
            "https://facebook.com/nesta",
            "https://m.facebook.com/nesta",
            "https://uk.linkedin.com/company/nesta",
            "https://twitter.com/waag",
            "https://x.com/waag",
            "https://sites.google.com/view/waag",
            "https://wordpress.com/waag",
            "https://www.eventbrite.com/o/waag",
            "https://github.com/waag",
            "https://en.wikipedia.org/wiki/Nesta",
        ] {
            assert_eq!(website_host(url), None, "{url}");
        }
        // A tenant's own subdomain is one organisation's site.
        assert_eq!(
            website_host("https://waag.wordpress.com/about").as_deref(),
            Some("waag.wordpress.com")
        );
        assert_eq!(
            website_host("https://opendata.github.io").as_deref(),
            Some("opendata.github.io")
        );
        // A host that merely ends with the same letters is not the platform.
        assert_eq!(
            website_host("https://netflix.com").as_deref(),
            Some("netflix.com")
        );
        assert_eq!(website_host("https://box.com").as_deref(), Some("box.com"));

        let a = organisation("Waag", Some("NL"), Some("https://www.facebook.com/waag"));
        let b = organisation("Nesta", Some("GB"), Some("https://www.facebook.com/nesta"));
        assert!(twin_reasons(&a, &b).is_empty());
    }

    #[test]
    fn same_website_host_is_a_twin_signal() {
        let a = organisation("Waag", Some("NL"), Some("https://www.waag.org/en"));
        let b = organisation("Waag Futurelab", Some("NL"), Some("http://waag.org"));
        let reasons = twin_reasons(&a, &b);
        assert_eq!(
            reasons,
            vec![DuplicateReason::SameWebsiteHost {
                host: "waag.org".to_owned()
            }]
        );
        assert_eq!(reasons[0].describe(), "Both websites are on waag.org.");
    }

    #[test]
    fn shared_legal_identifier_is_a_twin_signal() {
        let mut a = organisation("Nesta", Some("GB"), None);
        let mut b = organisation("National Endowment for Science", Some("GB"), None);
        a.legal_identifiers = vec![
            identifier("GB-CHC", "1144091"),
            identifier("GB-COH", "07706036"),
        ];
        b.legal_identifiers = vec![identifier(" GB-CHC ", " 1144091 ")];
        assert_eq!(
            twin_reasons(&a, &b),
            vec![DuplicateReason::SharedLegalIdentifier {
                scheme: "GB-CHC".to_owned(),
                value: "1144091".to_owned(),
            }]
        );
        // Values compare without case; a repeated identifier gives one reason.
        a.legal_identifiers = vec![
            identifier("FR-RCS", "abc123"),
            identifier("FR-RCS", "ABC123"),
        ];
        b.legal_identifiers = vec![identifier("FR-RCS", "ABC123")];
        assert_eq!(codes(&twin_reasons(&a, &b)), ["SHARED_LEGAL_IDENTIFIER"]);
        // Another scheme with the same number is another register.
        b.legal_identifiers = vec![identifier("GB-COH", "abc123")];
        assert!(twin_reasons(&a, &b).is_empty());
        // Blank identifiers match nothing.
        a.legal_identifiers = vec![identifier("GB-CHC", " ")];
        b.legal_identifiers = vec![identifier("GB-CHC", "")];
        assert!(twin_reasons(&a, &b).is_empty());
    }

    #[test]
    fn similar_names_count_only_within_one_country() {
        let a = organisation("Nesta Ltd", Some("GB"), None);
        let b = organisation("NESTA", Some("GB"), None);
        let reasons = twin_reasons(&a, &b);
        assert_eq!(
            reasons,
            vec![DuplicateReason::SimilarName { similarity: 1.0 }]
        );
        assert!(
            reasons[0]
                .describe()
                .starts_with("Their names are the same")
        );

        let c = organisation("NESTA", Some("FR"), None);
        assert!(twin_reasons(&a, &c).is_empty());
        // One without a country may be a twin of either (DSI4EU's "Call for team" pair).
        let d = organisation("NESTA", None, None);
        assert_eq!(codes(&twin_reasons(&a, &d)), ["SIMILAR_NAME"]);
        // Neither has a country: they may still be twins.
        let e = organisation("Propolis Open Data Factory", None, None);
        let f = organisation("Propolis Open Data Factory", Some(" "), None);
        assert_eq!(codes(&twin_reasons(&e, &f)), ["SIMILAR_NAME"]);
        // Country codes compare without case.
        let g = organisation("Sea Communications", Some("gb"), None);
        let h = organisation("Sea Communication", Some("GB"), None);
        let reasons = twin_reasons(&g, &h);
        assert_eq!(codes(&reasons), ["SIMILAR_NAME"]);
        assert_eq!(reasons[0].describe(), "Their names are 96% alike.");

        let i = organisation("Open Data Institute", Some("GB"), None);
        let j = organisation("Open Knowledge Foundation", Some("GB"), None);
        assert!(twin_reasons(&i, &j).is_empty());
    }

    #[test]
    fn all_signals_are_reported_strongest_first() {
        let mut a = organisation(
            "Fablab Palermo",
            Some("IT"),
            Some("http://www.fablabpalermo.org"),
        );
        let mut b = organisation(
            "FabLab Palermo",
            Some("IT"),
            Some("https://fablabpalermo.org/"),
        );
        a.legal_identifiers = vec![identifier("IT-CF", "97000000000")];
        b.legal_identifiers = vec![identifier("IT-CF", "97000000000")];
        let reasons = twin_reasons(&a, &b);
        assert_eq!(
            codes(&reasons),
            [
                "SHARED_LEGAL_IDENTIFIER",
                "SAME_WEBSITE_HOST",
                "SIMILAR_NAME"
            ]
        );
        assert_eq!(
            reasons[0].describe(),
            "Both have the legal identifier IT-CF-97000000000."
        );
    }
}
