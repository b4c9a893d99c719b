//! Currencies: the active ISO 4217 alphabetic codes that money in the registry may be given in.
//!
//! The table holds the codes of currencies that are legal tender somewhere today, as of the
//! ISO 4217 amendments up to 2026. It leaves out on purpose:
//!
//! - fund codes and units of account (`BOV`, `CHE`, `CHW`, `CLF`, `COU`, `MXV`, `USN`, `UYI`,
//!   `UYW`, `XDR`, `XSU`, `XUA`), the bond-market units (`XBA`–`XBD`), precious metals (`XAU`,
//!   `XAG`, `XPD`, `XPT`), and the testing and "no currency" codes (`XTS`, `XXX`): a grant is
//!   awarded in money, not in these;
//! - withdrawn currencies, including recent ones: `HRK` (euro since 2023), `BGN` (euro since
//!   2026), `ANG` (replaced by `XCG` in 2025), `SLL` (redenominated as `SLE`), `ZWL` (replaced by
//!   `ZWG` in 2024). Historical grants in those currencies must be converted or given in the
//!   successor currency.
//!
//! The four supranational currencies that are real money are kept: `XAF`, `XOF`, `XCD`, `XPF`
//! (and `XCG`, the Caribbean guilder).

/// The active ISO 4217 alphabetic codes, sorted (lookups binary-search it).
#[rustfmt::skip] // a dense table reads better than one code a line
pub static CURRENCY_CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN",
    "BAM", "BBD", "BDT", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN",
    "BZD",
    "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP",
    "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD",
    "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IQD", "IRR", "ISK",
    "JMD", "JOD", "JPY",
    "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
    "LAK", "LBP", "LKR", "LRD", "LSL", "LYD",
    "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR",
    "MZN",
    "NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
    "OMR",
    "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR",
    "RON", "RSD", "RUB", "RWF",
    "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC",
    "SYP", "SZL",
    "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "UGX", "USD", "UYU", "UZS",
    "VED", "VES", "VND", "VUV",
    "WST",
    "XAF", "XCD", "XCG", "XOF", "XPF",
    "YER",
    "ZAR", "ZMW", "ZWG",
];

/// The canonical (upper-case) code for `code` given in any ASCII case (`"eur"` → `"EUR"`);
/// `None` unless `code` is exactly three ASCII letters of an active currency.
pub fn currency_code(code: &str) -> Option<&'static str> {
    let &[a, b, c] = code.as_bytes() else {
        return None;
    };
    if ![a, b, c].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let key = [
        a.to_ascii_uppercase(),
        b.to_ascii_uppercase(),
        c.to_ascii_uppercase(),
    ];
    CURRENCY_CODES
        .binary_search_by(|known| known.as_bytes().cmp(&key[..]))
        .ok()
        .and_then(|index| CURRENCY_CODES.get(index).copied())
}

/// Whether `code` is an active ISO 4217 currency, in any ASCII case (like
/// [`crate::country::is_country_code`]); no surrounding spaces allowed.
pub fn is_currency_code(code: &str) -> bool {
    currency_code(code).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        for pair in CURRENCY_CODES.windows(2) {
            assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
        }
        for code in CURRENCY_CODES {
            assert_eq!(code.len(), 3, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_uppercase()), "{code}");
        }
        assert!((150..=200).contains(&CURRENCY_CODES.len()));
    }

    #[test]
    fn active_currencies_are_known_in_any_case() {
        for code in [
            "EUR", "GBP", "USD", "CHF", "XOF", "XAF", "XCD", "XPF", "XCG", "ZWG",
        ] {
            assert!(is_currency_code(code), "{code}");
        }
        assert!(is_currency_code("eur"));
        assert_eq!(currency_code("gBp"), Some("GBP"));
    }

    #[test]
    fn funds_metals_tests_and_withdrawn_codes_are_refused() {
        for code in [
            "XTS", "XXX", "XAU", "XAG", "XDR", "XBA", "BOV", "CHE", "USN", "HRK", "BGN", "DEM",
            "FRF", "ANG", "ZWL",
        ] {
            assert!(!is_currency_code(code), "{code}");
        }
    }

    #[test]
    fn malformed_input_is_refused() {
        for code in ["", "EU", "EURO", " EUR", "EUR ", "E1R", "ÉUR", "€"] {
            assert!(!is_currency_code(code), "{code:?}");
        }
    }
}
