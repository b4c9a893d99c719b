//! Countries: the ISO 3166-1 alpha-2 table (English and French short names), plus the lookups
//! that validation and import need.
//!
//! The table holds the 249 officially assigned alpha-2 codes and `XK` (Kosovo), sorted by code.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One country or territory of ISO 3166-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, two uppercase letters.
    pub code: &'static str,
    /// English short name.
    pub name: &'static str,
    /// French short name.
    pub name_fr: &'static str,
}

const fn c(code: &'static str, name: &'static str, name_fr: &'static str) -> Country {
    Country {
        code,
        name,
        name_fr,
    }
}

/// Every ISO 3166-1 alpha-2 code, sorted by code (lookups binary-search it).
#[rustfmt::skip] // one country per line reads better than rustfmt's wrapping of the long names
pub static COUNTRIES: &[Country] = &[
    c("AD", "Andorra", "Andorre"),
    c("AE", "United Arab Emirates", "Émirats arabes unis"),
    c("AF", "Afghanistan", "Afghanistan"),
    c("AG", "Antigua and Barbuda", "Antigua-et-Barbuda"),
    c("AI", "Anguilla", "Anguilla"),
    c("AL", "Albania", "Albanie"),
    c("AM", "Armenia", "Arménie"),
    c("AO", "Angola", "Angola"),
    c("AQ", "Antarctica", "Antarctique"),
    c("AR", "Argentina", "Argentine"),
    c("AS", "American Samoa", "Samoa américaines"),
    c("AT", "Austria", "Autriche"),
    c("AU", "Australia", "Australie"),
    c("AW", "Aruba", "Aruba"),
    c("AX", "Åland Islands", "Îles Åland"),
    c("AZ", "Azerbaijan", "Azerbaïdjan"),
    c("BA", "Bosnia and Herzegovina", "Bosnie-Herzégovine"),
    c("BB", "Barbados", "Barbade"),
    c("BD", "Bangladesh", "Bangladesh"),
    c("BE", "Belgium", "Belgique"),
    c("BF", "Burkina Faso", "Burkina Faso"),
    c("BG", "Bulgaria", "Bulgarie"),
    c("BH", "Bahrain", "Bahreïn"),
    c("BI", "Burundi", "Burundi"),
    c("BJ", "Benin", "Bénin"),
    c("BL", "Saint Barthélemy", "Saint-Barthélemy"),
    c("BM", "Bermuda", "Bermudes"),
    c("BN", "Brunei Darussalam", "Brunéi Darussalam"),
    c("BO", "Bolivia, Plurinational State of", "Bolivie"),
    c("BQ", "Bonaire, Sint Eustatius and Saba", "Bonaire, Saint-Eustache et Saba"),
    c("BR", "Brazil", "Brésil"),
    c("BS", "Bahamas", "Bahamas"),
    c("BT", "Bhutan", "Bhoutan"),
    c("BV", "Bouvet Island", "Île Bouvet"),
    c("BW", "Botswana", "Botswana"),
    c("BY", "Belarus", "Bélarus"),
    c("BZ", "Belize", "Belize"),
    c("CA", "Canada", "Canada"),
    c("CC", "Cocos (Keeling) Islands", "Îles Cocos (Keeling)"),
    c("CD", "Congo, Democratic Republic of the", "République démocratique du Congo"),
    c("CF", "Central African Republic", "République centrafricaine"),
    c("CG", "Congo", "Congo"),
    c("CH", "Switzerland", "Suisse"),
    c("CI", "Côte d'Ivoire", "Côte d'Ivoire"),
    c("CK", "Cook Islands", "Îles Cook"),
    c("CL", "Chile", "Chili"),
    c("CM", "Cameroon", "Cameroun"),
    c("CN", "China", "Chine"),
    c("CO", "Colombia", "Colombie"),
    c("CR", "Costa Rica", "Costa Rica"),
    c("CU", "Cuba", "Cuba"),
    c("CV", "Cabo Verde", "Cabo Verde"),
    c("CW", "Curaçao", "Curaçao"),
    c("CX", "Christmas Island", "Île Christmas"),
    c("CY", "Cyprus", "Chypre"),
    c("CZ", "Czechia", "Tchéquie"),
    c("DE", "Germany", "Allemagne"),
    c("DJ", "Djibouti", "Djibouti"),
    c("DK", "Denmark", "Danemark"),
    c("DM", "Dominica", "Dominique"),
    c("DO", "Dominican Republic", "République dominicaine"),
    c("DZ", "Algeria", "Algérie"),
    c("EC", "Ecuador", "Équateur"),
    c("EE", "Estonia", "Estonie"),
    c("EG", "Egypt", "Égypte"),
    c("EH", "Western Sahara", "Sahara occidental"),
    c("ER", "Eritrea", "Érythrée"),
    c("ES", "Spain", "Espagne"),
    c("ET", "Ethiopia", "Éthiopie"),
    c("FI", "Finland", "Finlande"),
    c("FJ", "Fiji", "Fidji"),
    c("FK", "Falkland Islands (Malvinas)", "Îles Falkland (Malvinas)"),
    c("FM", "Micronesia, Federated States of", "Micronésie"),
    c("FO", "Faroe Islands", "Îles Féroé"),
    c("FR", "France", "France"),
    c("GA", "Gabon", "Gabon"),
    c("GB", "United Kingdom", "Royaume-Uni"),
    c("GD", "Grenada", "Grenade"),
    c("GE", "Georgia", "Géorgie"),
    c("GF", "French Guiana", "Guyane française"),
    c("GG", "Guernsey", "Guernesey"),
    c("GH", "Ghana", "Ghana"),
    c("GI", "Gibraltar", "Gibraltar"),
    c("GL", "Greenland", "Groenland"),
    c("GM", "Gambia", "Gambie"),
    c("GN", "Guinea", "Guinée"),
    c("GP", "Guadeloupe", "Guadeloupe"),
    c("GQ", "Equatorial Guinea", "Guinée équatoriale"),
    c("GR", "Greece", "Grèce"),
    c("GS", "South Georgia and the South Sandwich Islands", "Géorgie du Sud-et-les Îles Sandwich du Sud"),
    c("GT", "Guatemala", "Guatemala"),
    c("GU", "Guam", "Guam"),
    c("GW", "Guinea-Bissau", "Guinée-Bissau"),
    c("GY", "Guyana", "Guyana"),
    c("HK", "Hong Kong", "Hong Kong"),
    c("HM", "Heard Island and McDonald Islands", "Îles Heard-et-MacDonald"),
    c("HN", "Honduras", "Honduras"),
    c("HR", "Croatia", "Croatie"),
    c("HT", "Haiti", "Haïti"),
    c("HU", "Hungary", "Hongrie"),
    c("ID", "Indonesia", "Indonésie"),
    c("IE", "Ireland", "Irlande"),
    c("IL", "Israel", "Israël"),
    c("IM", "Isle of Man", "Île de Man"),
    c("IN", "India", "Inde"),
    c("IO", "British Indian Ocean Territory", "Territoire britannique de l'océan Indien"),
    c("IQ", "Iraq", "Irak"),
    c("IR", "Iran, Islamic Republic of", "Iran"),
    c("IS", "Iceland", "Islande"),
    c("IT", "Italy", "Italie"),
    c("JE", "Jersey", "Jersey"),
    c("JM", "Jamaica", "Jamaïque"),
    c("JO", "Jordan", "Jordanie"),
    c("JP", "Japan", "Japon"),
    c("KE", "Kenya", "Kenya"),
    c("KG", "Kyrgyzstan", "Kirghizistan"),
    c("KH", "Cambodia", "Cambodge"),
    c("KI", "Kiribati", "Kiribati"),
    c("KM", "Comoros", "Comores"),
    c("KN", "Saint Kitts and Nevis", "Saint-Christophe-et-Niévès"),
    c("KP", "Korea, Democratic People's Republic of", "Corée du Nord"),
    c("KR", "Korea, Republic of", "Corée du Sud"),
    c("KW", "Kuwait", "Koweït"),
    c("KY", "Cayman Islands", "Îles Caïmans"),
    c("KZ", "Kazakhstan", "Kazakhstan"),
    c("LA", "Lao People's Democratic Republic", "Laos"),
    c("LB", "Lebanon", "Liban"),
    c("LC", "Saint Lucia", "Sainte-Lucie"),
    c("LI", "Liechtenstein", "Liechtenstein"),
    c("LK", "Sri Lanka", "Sri Lanka"),
    c("LR", "Liberia", "Libéria"),
    c("LS", "Lesotho", "Lesotho"),
    c("LT", "Lithuania", "Lituanie"),
    c("LU", "Luxembourg", "Luxembourg"),
    c("LV", "Latvia", "Lettonie"),
    c("LY", "Libya", "Libye"),
    c("MA", "Morocco", "Maroc"),
    c("MC", "Monaco", "Monaco"),
    c("MD", "Moldova, Republic of", "Moldavie"),
    c("ME", "Montenegro", "Monténégro"),
    c("MF", "Saint Martin (French part)", "Saint-Martin (partie française)"),
    c("MG", "Madagascar", "Madagascar"),
    c("MH", "Marshall Islands", "Îles Marshall"),
    c("MK", "North Macedonia", "Macédoine du Nord"),
    c("ML", "Mali", "Mali"),
    c("MM", "Myanmar", "Myanmar"),
    c("MN", "Mongolia", "Mongolie"),
    c("MO", "Macao", "Macao"),
    c("MP", "Northern Mariana Islands", "Îles Mariannes du Nord"),
    c("MQ", "Martinique", "Martinique"),
    c("MR", "Mauritania", "Mauritanie"),
    c("MS", "Montserrat", "Montserrat"),
    c("MT", "Malta", "Malte"),
    c("MU", "Mauritius", "Maurice"),
    c("MV", "Maldives", "Maldives"),
    c("MW", "Malawi", "Malawi"),
    c("MX", "Mexico", "Mexique"),
    c("MY", "Malaysia", "Malaisie"),
    c("MZ", "Mozambique", "Mozambique"),
    c("NA", "Namibia", "Namibie"),
    c("NC", "New Caledonia", "Nouvelle-Calédonie"),
    c("NE", "Niger", "Niger"),
    c("NF", "Norfolk Island", "Île Norfolk"),
    c("NG", "Nigeria", "Nigéria"),
    c("NI", "Nicaragua", "Nicaragua"),
    c("NL", "Netherlands", "Pays-Bas"),
    c("NO", "Norway", "Norvège"),
    c("NP", "Nepal", "Népal"),
    c("NR", "Nauru", "Nauru"),
    c("NU", "Niue", "Niue"),
    c("NZ", "New Zealand", "Nouvelle-Zélande"),
    c("OM", "Oman", "Oman"),
    c("PA", "Panama", "Panama"),
    c("PE", "Peru", "Pérou"),
    c("PF", "French Polynesia", "Polynésie française"),
    c("PG", "Papua New Guinea", "Papouasie-Nouvelle-Guinée"),
    c("PH", "Philippines", "Philippines"),
    c("PK", "Pakistan", "Pakistan"),
    c("PL", "Poland", "Pologne"),
    c("PM", "Saint Pierre and Miquelon", "Saint-Pierre-et-Miquelon"),
    c("PN", "Pitcairn", "Pitcairn"),
    c("PR", "Puerto Rico", "Porto Rico"),
    c("PS", "Palestine, State of", "Palestine"),
    c("PT", "Portugal", "Portugal"),
    c("PW", "Palau", "Palaos"),
    c("PY", "Paraguay", "Paraguay"),
    c("QA", "Qatar", "Qatar"),
    c("RE", "Réunion", "La Réunion"),
    c("RO", "Romania", "Roumanie"),
    c("RS", "Serbia", "Serbie"),
    c("RU", "Russian Federation", "Russie"),
    c("RW", "Rwanda", "Rwanda"),
    c("SA", "Saudi Arabia", "Arabie saoudite"),
    c("SB", "Solomon Islands", "Îles Salomon"),
    c("SC", "Seychelles", "Seychelles"),
    c("SD", "Sudan", "Soudan"),
    c("SE", "Sweden", "Suède"),
    c("SG", "Singapore", "Singapour"),
    c("SH", "Saint Helena, Ascension and Tristan da Cunha", "Sainte-Hélène, Ascension et Tristan da Cunha"),
    c("SI", "Slovenia", "Slovénie"),
    c("SJ", "Svalbard and Jan Mayen", "Svalbard et île Jan Mayen"),
    c("SK", "Slovakia", "Slovaquie"),
    c("SL", "Sierra Leone", "Sierra Leone"),
    c("SM", "San Marino", "Saint-Marin"),
    c("SN", "Senegal", "Sénégal"),
    c("SO", "Somalia", "Somalie"),
    c("SR", "Suriname", "Suriname"),
    c("SS", "South Sudan", "Soudan du Sud"),
    c("ST", "Sao Tome and Principe", "Sao Tomé-et-Principe"),
    c("SV", "El Salvador", "Salvador"),
    c("SX", "Sint Maarten (Dutch part)", "Saint-Martin (partie néerlandaise)"),
    c("SY", "Syrian Arab Republic", "Syrie"),
    c("SZ", "Eswatini", "Eswatini"),
    c("TC", "Turks and Caicos Islands", "Îles Turques-et-Caïques"),
    c("TD", "Chad", "Tchad"),
    c("TF", "French Southern Territories", "Terres australes françaises"),
    c("TG", "Togo", "Togo"),
    c("TH", "Thailand", "Thaïlande"),
    c("TJ", "Tajikistan", "Tadjikistan"),
    c("TK", "Tokelau", "Tokelau"),
    c("TL", "Timor-Leste", "Timor-Leste"),
    c("TM", "Turkmenistan", "Turkménistan"),
    c("TN", "Tunisia", "Tunisie"),
    c("TO", "Tonga", "Tonga"),
    c("TR", "Türkiye", "Turquie"),
    c("TT", "Trinidad and Tobago", "Trinité-et-Tobago"),
    c("TV", "Tuvalu", "Tuvalu"),
    c("TW", "Taiwan, Province of China", "Taïwan"),
    c("TZ", "Tanzania, United Republic of", "Tanzanie"),
    c("UA", "Ukraine", "Ukraine"),
    c("UG", "Uganda", "Ouganda"),
    c("UM", "United States Minor Outlying Islands", "Îles mineures éloignées des États-Unis"),
    c("US", "United States", "États-Unis"),
    c("UY", "Uruguay", "Uruguay"),
    c("UZ", "Uzbekistan", "Ouzbékistan"),
    c("VA", "Holy See", "Saint-Siège"),
    c("VC", "Saint Vincent and the Grenadines", "Saint-Vincent-et-les-Grenadines"),
    c("VE", "Venezuela, Bolivarian Republic of", "Venezuela"),
    c("VG", "Virgin Islands (British)", "Îles Vierges britanniques"),
    c("VI", "Virgin Islands (U.S.)", "Îles Vierges des États-Unis"),
    c("VN", "Viet Nam", "Viêt Nam"),
    c("VU", "Vanuatu", "Vanuatu"),
    c("WF", "Wallis and Futuna", "Wallis-et-Futuna"),
    c("WS", "Samoa", "Samoa"),
    // XK is not assigned by ISO 3166-1: it is a user-assigned code, used for Kosovo by the
    // European Commission, the IMF, SWIFT and many data sets (among them the 2017 DSI4EU data).
    c("XK", "Kosovo", "Kosovo"),
    c("YE", "Yemen", "Yémen"),
    c("YT", "Mayotte", "Mayotte"),
    c("ZA", "South Africa", "Afrique du Sud"),
    c("ZM", "Zambia", "Zambie"),
    c("ZW", "Zimbabwe", "Zimbabwe"),
];

/// Other names for countries, as `(name, code)`.
///
/// Imports and forms give countries as names typed by people, not codes: older ISO names
/// ("Czech Republic", "Macedonia, the former Yugoslav Republic of", "Swaziland"), common names
/// ("Russia", "South Korea", "Iran"), abbreviations ("UK", "USA") and constituent countries
/// ("England"). The table's English and French names are matched too, so they are not repeated
/// here. Matching ignores case, accents, punctuation and a leading "the" (see [`name_key`]).
static ALIASES: &[(&str, &str)] = &[
    ("United Arab Emirates (the)", "AE"),
    ("UAE", "AE"),
    ("Antigua & Barbuda", "AG"),
    ("Aland Islands", "AX"),
    ("Bosnia", "BA"),
    ("Bosnia-Herzegovina", "BA"),
    ("Saint Barthelemy", "BL"),
    ("Brunei", "BN"),
    ("Bolivia", "BO"),
    ("Caribbean Netherlands", "BQ"),
    ("Bonaire", "BQ"),
    ("Belarus, Republic of", "BY"),
    ("Byelorussia", "BY"),
    ("Cocos Islands", "CC"),
    ("Democratic Republic of the Congo", "CD"),
    ("Congo, The Democratic Republic of the", "CD"),
    ("DR Congo", "CD"),
    ("DRC", "CD"),
    ("Congo-Kinshasa", "CD"),
    ("Republic of the Congo", "CG"),
    ("Congo, Republic of the", "CG"),
    ("Congo-Brazzaville", "CG"),
    ("Ivory Coast", "CI"),
    ("Cape Verde", "CV"),
    ("Czech Republic", "CZ"),
    ("Falkland Islands", "FK"),
    ("Micronesia", "FM"),
    ("Federated States of Micronesia", "FM"),
    ("Faeroe Islands", "FO"),
    ("United Kingdom of Great Britain and Northern Ireland", "GB"),
    ("UK", "GB"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
    ("Hong Kong SAR", "HK"),
    ("Hong Kong, China", "HK"),
    ("Iran", "IR"),
    ("Islamic Republic of Iran", "IR"),
    ("Kyrgyz Republic", "KG"),
    ("St Kitts and Nevis", "KN"),
    ("Saint Kitts & Nevis", "KN"),
    ("North Korea", "KP"),
    ("Democratic People's Republic of Korea", "KP"),
    ("DPRK", "KP"),
    ("South Korea", "KR"),
    ("Korea", "KR"),
    ("Republic of Korea", "KR"),
    ("Laos", "LA"),
    ("Lao PDR", "LA"),
    ("St Lucia", "LC"),
    ("Libyan Arab Jamahiriya", "LY"),
    ("Moldova", "MD"),
    ("Republic of Moldova", "MD"),
    ("Saint Martin", "MF"),
    ("Macedonia, the former Yugoslav Republic of", "MK"),
    ("Former Yugoslav Republic of Macedonia", "MK"),
    ("Macedonia", "MK"),
    ("Republic of North Macedonia", "MK"),
    ("FYROM", "MK"),
    ("Burma", "MM"),
    ("Macau", "MO"),
    ("Netherlands, Kingdom of the", "NL"),
    ("Holland", "NL"),
    ("Palestine", "PS"),
    ("State of Palestine", "PS"),
    ("Palestinian Territories", "PS"),
    ("Occupied Palestinian Territory", "PS"),
    ("Russia", "RU"),
    ("Saint Helena", "SH"),
    ("Slovak Republic", "SK"),
    ("Sao Tome & Principe", "ST"),
    ("Sint Maarten", "SX"),
    ("Syria", "SY"),
    ("Swaziland", "SZ"),
    ("Kingdom of Eswatini", "SZ"),
    ("Turks & Caicos Islands", "TC"),
    ("East Timor", "TL"),
    ("Turkey", "TR"),
    ("Republic of Turkey", "TR"),
    ("Trinidad & Tobago", "TT"),
    ("Taiwan", "TW"),
    ("Tanzania", "TZ"),
    ("United States of America", "US"),
    ("USA", "US"),
    ("US", "US"),
    ("America", "US"),
    ("Vatican", "VA"),
    ("Vatican City", "VA"),
    ("Vatican City State", "VA"),
    ("Holy See (Vatican City State)", "VA"),
    ("St Vincent and the Grenadines", "VC"),
    ("Saint Vincent & the Grenadines", "VC"),
    ("Venezuela", "VE"),
    ("British Virgin Islands", "VG"),
    ("US Virgin Islands", "VI"),
    ("Vietnam", "VN"),
    ("Socialist Republic of Vietnam", "VN"),
    ("Republic of Kosovo", "XK"),
];

/// The country with this alpha-2 code, in any case (`"fr"`, `"FR"`); `None` unless `code` is
/// exactly two ASCII letters of a known country.
pub fn country(code: &str) -> Option<&'static Country> {
    let &[a, b] = code.as_bytes() else {
        return None;
    };
    if !a.is_ascii_alphabetic() || !b.is_ascii_alphabetic() {
        return None;
    }
    let key = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
    COUNTRIES
        .binary_search_by(|country| country.code.as_bytes().cmp(&key[..]))
        .ok()
        .and_then(|index| COUNTRIES.get(index))
}

/// Whether `code` is a known alpha-2 code, in any case.
pub fn is_country_code(code: &str) -> bool {
    country(code).is_some()
}

/// The code of the country a person named `name`, if recognised: a table name (English or
/// French) or one of the [`ALIASES`]. Case, accents, punctuation, spacing and a leading "the"
/// are ignored, so `" the netherlands "`, `"Cote d’Ivoire"` and `"U.K."` are all recognised.
pub fn country_code_from_name(name: &str) -> Option<&'static str> {
    let key = name_key(name);
    if key.is_empty() {
        return None;
    }
    name_index().get(key.as_str()).copied()
}

/// Normalised name → code, built once from the table and the aliases. Table names come first, so
/// they win over aliases in the (tested-against) event of a clash.
fn name_index() -> &'static HashMap<String, &'static str> {
    static INDEX: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = HashMap::with_capacity(COUNTRIES.len() * 2 + ALIASES.len());
        let names = COUNTRIES
            .iter()
            .flat_map(|country| {
                [
                    (country.name, country.code),
                    (country.name_fr, country.code),
                ]
            })
            .chain(ALIASES.iter().copied());
        for (name, code) in names {
            index.entry(name_key(name)).or_insert(code);
        }
        index
    })
}

/// The comparison key of a country name: lowercase ASCII words separated by single spaces.
/// Accents are dropped, `&` reads as "and", dots and apostrophes vanish (`"U.S.A."` → `"usa"`,
/// `"d'Ivoire"` → `"divoire"`), other punctuation separates words, and a leading "the" goes.
fn name_key(name: &str) -> String {
    // Dots and apostrophes join their letters ("U.S.A." is "usa"); `fold` turns any other
    // punctuation into a space and drops case and accents.
    let joined: String = name
        .chars()
        .filter(|c| !matches!(c, '.' | '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}'))
        .collect::<String>()
        .replace('&', " and ");
    let folded = crate::text::fold(&joined);
    match folded.strip_prefix("the ") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => folded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The country names of the 2017 DSI4EU data set, with the code each must map to.
    const DATASET_NAMES: &[(&str, &str)] = &[
        ("United Kingdom", "GB"),
        ("Spain", "ES"),
        ("France", "FR"),
        ("Italy", "IT"),
        ("Netherlands", "NL"),
        ("Germany", "DE"),
        ("Belgium", "BE"),
        ("United States", "US"),
        ("Portugal", "PT"),
        ("Switzerland", "CH"),
        ("Greece", "GR"),
        ("Poland", "PL"),
        ("Finland", "FI"),
        ("Austria", "AT"),
        ("Norway", "NO"),
        ("Hungary", "HU"),
        ("Denmark", "DK"),
        ("Sweden", "SE"),
        ("Czech Republic", "CZ"),
        ("Ireland", "IE"),
        ("Australia", "AU"),
        ("Russian Federation", "RU"),
        ("Romania", "RO"),
        ("Turkey", "TR"),
        ("Slovakia", "SK"),
        ("Slovenia", "SI"),
        ("Korea, Republic of", "KR"),
        ("Canada", "CA"),
        ("Bulgaria", "BG"),
        ("Mexico", "MX"),
        ("Moldova, Republic of", "MD"),
        ("Luxembourg", "LU"),
        ("Cyprus", "CY"),
        ("Albania", "AL"),
        ("Estonia", "EE"),
        ("Egypt", "EG"),
        ("Colombia", "CO"),
        ("Pakistan", "PK"),
        ("Qatar", "QA"),
        ("China", "CN"),
        ("Iceland", "IS"),
        ("Croatia", "HR"),
        ("Georgia", "GE"),
        ("Tunisia", "TN"),
        ("Ecuador", "EC"),
        ("Belarus", "BY"),
        ("Armenia", "AM"),
        ("India", "IN"),
        ("South Africa", "ZA"),
        ("Lithuania", "LT"),
        ("Macedonia, the former Yugoslav Republic of", "MK"),
        ("Jordan", "JO"),
        ("Chile", "CL"),
        ("Montenegro", "ME"),
        ("Brazil", "BR"),
        ("Bosnia and Herzegovina", "BA"),
        ("Kosovo", "XK"),
        ("Cameroon", "CM"),
        ("Argentina", "AR"),
        ("Uruguay", "UY"),
        ("Cote d'Ivoire", "CI"),
        ("Indonesia", "ID"),
        ("Kenya", "KE"),
        ("Peru", "PE"),
        ("Reunion", "RE"),
        ("Iran, Islamic Republic of", "IR"),
        ("Serbia", "RS"),
        ("Hong Kong", "HK"),
        ("Jamaica", "JM"),
        ("Israel", "IL"),
    ];

    #[test]
    fn dataset_names_map_to_their_codes() {
        for (name, code) in DATASET_NAMES {
            assert_eq!(country_code_from_name(name), Some(*code), "{name}");
        }
    }

    #[test]
    fn common_aliases_map_to_their_codes() {
        let cases = [
            ("UK", "GB"),
            ("U.K.", "GB"),
            ("Great Britain", "GB"),
            ("USA", "US"),
            ("U.S.A.", "US"),
            ("United States of America", "US"),
            ("Czechia", "CZ"),
            ("North Macedonia", "MK"),
            ("Türkiye", "TR"),
            ("Turkiye", "TR"),
            ("Russia", "RU"),
            ("South Korea", "KR"),
            ("Moldova", "MD"),
            ("Iran", "IR"),
            ("Vietnam", "VN"),
            ("Viet Nam", "VN"),
            ("The Netherlands", "NL"),
            ("Côte d’Ivoire", "CI"),
            ("Réunion", "RE"),
            ("Bosnia & Herzegovina", "BA"),
            ("Allemagne", "DE"),
            ("Royaume-Uni", "GB"),
            ("etats unis", "US"),
            ("Åland Islands", "AX"),
        ];
        for (name, code) in cases {
            assert_eq!(country_code_from_name(name), Some(code), "{name}");
        }
    }

    #[test]
    fn name_lookup_ignores_case_and_spacing() {
        assert_eq!(country_code_from_name("  united   KINGDOM "), Some("GB"));
        assert_eq!(country_code_from_name("korea,republic of"), Some("KR"));
        assert_eq!(country_code_from_name("KOSOVO"), Some("XK"));
    }

    #[test]
    fn unknown_names_are_none() {
        assert_eq!(country_code_from_name(""), None);
        assert_eq!(country_code_from_name("   "), None);
        assert_eq!(country_code_from_name("the"), None);
        assert_eq!(country_code_from_name("Atlantis"), None);
        assert_eq!(country_code_from_name("Europe"), None);
    }

    #[test]
    fn table_has_249_iso_codes_and_kosovo() {
        assert_eq!(COUNTRIES.len(), 250);
        assert!(is_country_code("XK"));
    }

    #[test]
    fn codes_are_unique_sorted_and_two_uppercase_letters() {
        let mut seen = HashSet::new();
        for country in COUNTRIES {
            assert_eq!(country.code.len(), 2, "{}", country.code);
            assert!(
                country.code.bytes().all(|b| b.is_ascii_uppercase()),
                "{}",
                country.code
            );
            assert!(seen.insert(country.code), "duplicate {}", country.code);
            assert!(!country.name.trim().is_empty() && !country.name_fr.trim().is_empty());
        }
        assert!(
            COUNTRIES.windows(2).all(|pair| pair[0].code < pair[1].code),
            "not sorted"
        );
    }

    #[test]
    fn every_table_code_is_found() {
        for entry in COUNTRIES {
            assert_eq!(country(entry.code), Some(entry));
            assert_eq!(country(&entry.code.to_ascii_lowercase()), Some(entry));
        }
    }

    #[test]
    fn code_lookup_is_case_insensitive_and_exact() {
        assert_eq!(country("fr").map(|c| c.name), Some("France"));
        assert_eq!(country("Gb").map(|c| c.name_fr), Some("Royaume-Uni"));
        assert!(is_country_code("de"));
        assert!(is_country_code("DE"));
        assert!(!is_country_code("UK"));
        assert!(!is_country_code("ZZ"));
        assert!(!is_country_code(""));
        assert!(!is_country_code("D"));
        assert!(!is_country_code("DEU"));
        assert!(!is_country_code(" DE"));
        assert!(!is_country_code("1A"));
        assert!(!is_country_code("É"));
    }

    #[test]
    fn every_name_maps_to_its_own_code() {
        for entry in COUNTRIES {
            assert_eq!(
                country_code_from_name(entry.name),
                Some(entry.code),
                "{}",
                entry.name
            );
            assert_eq!(
                country_code_from_name(entry.name_fr),
                Some(entry.code),
                "{}",
                entry.name_fr
            );
        }
    }

    #[test]
    fn aliases_point_at_known_codes_without_clashes() {
        let mut keys: HashMap<String, &str> = HashMap::new();
        let names = COUNTRIES
            .iter()
            .flat_map(|c| [(c.name, c.code), (c.name_fr, c.code)])
            .chain(ALIASES.iter().copied());
        for (name, code) in names {
            assert!(is_country_code(code), "{name} -> {code}");
            let key = name_key(name);
            assert!(!key.is_empty(), "{name}");
            if let Some(previous) = keys.insert(key.clone(), code) {
                assert_eq!(previous, code, "{name:?} ({key:?}) is ambiguous");
            }
        }
    }

    #[test]
    fn name_key_normalises() {
        assert_eq!(name_key(" The  Gambia "), "gambia");
        assert_eq!(name_key("Côte d'Ivoire"), "cote divoire");
        assert_eq!(name_key("Cote d’Ivoire"), "cote divoire");
        assert_eq!(name_key("U.S.A."), "usa");
        assert_eq!(name_key("Trinidad & Tobago"), "trinidad and tobago");
        assert_eq!(name_key("Guinea-Bissau"), "guinea bissau");
        assert_eq!(name_key("Korea (Republic of)"), "korea republic of");
    }
}
