//! Opaque keyset cursors: the sort value of a row and its id, as URL-safe base64 JSON. A cursor
//! is only valid for the ordering it was made for.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use panorama_domain::DomainError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The value of the sort key at a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortValue {
    Text(String),
    /// Microseconds since the Unix epoch.
    Time(i64),
    Number(f64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub value: SortValue,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        // Serialising a plain struct of strings and numbers cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(text: &str) -> Result<Self, DomainError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| DomainError::BadCursor)?;
        serde_json::from_slice(&bytes).map_err(|_| DomainError::BadCursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            value: SortValue::Number(0.1 + 0.2),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
        assert_eq!(Cursor::decode("not a cursor"), Err(DomainError::BadCursor));
        assert_eq!(Cursor::decode("e30"), Err(DomainError::BadCursor));
    }
}
