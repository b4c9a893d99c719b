//! The 360Giving export: the published grants as one 360Giving package, written piece by
//! piece (the package's metadata, then a page of grants at a time, then its end), so that
//! memory stays the same however many grants there are. `GET /export/360giving.json` streams
//! it to anyone; `panorama export 360giving` writes it to a file.
//!
//! A grant is in the package when it is published and so are its funding and recipient
//! organisations (their names are part of it). A grant in a currency the 360Giving code list
//! does not have is left out too: the package would not be valid. Both are counted.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use panorama_domain::giving360::{Party, grant_to_360giving, package_metadata};
use panorama_persistence::giving::PublishedGrant;
use panorama_persistence::{Store, StoreError};
use uuid::Uuid;

use crate::router::AppState;

/// Grants read from the database at a time.
const PAGE: u64 = 200;

/// The package, one piece at a time.
pub struct Export {
    store: Store,
    step: Step,
    /// Grants written so far.
    pub written: usize,
    /// Published grants left out (see the module's comment).
    pub left_out: usize,
}

enum Step {
    Metadata,
    Grants(Option<Uuid>),
    End,
    Done,
}

impl Export {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            step: Step::Metadata,
            written: 0,
            left_out: 0,
        }
    }

    /// The next piece of the package's text; `None` when it is complete. After an error the
    /// export is over (the text written so far is not a whole package).
    pub async fn next_piece(&mut self) -> Result<Option<String>, StoreError> {
        match std::mem::replace(&mut self.step, Step::Done) {
            Step::Metadata => {
                self.step = Step::Grants(None);
                let metadata = to_json(&package_metadata(chrono::Utc::now()))?;
                // The metadata object, opened again for the grants.
                let open = metadata.strip_suffix('}').unwrap_or(&metadata);
                Ok(Some(format!("{open},\"grants\":[")))
            }
            Step::Grants(after) => {
                let page = self.store.published_grants(after, PAGE).await?;
                self.left_out += page.left_out;
                self.step = match page.next {
                    Some(next) => Step::Grants(Some(next)),
                    None => Step::End,
                };
                let mut piece = String::new();
                for grant in &page.grants {
                    let Some(json) = self.grant_json(grant)? else {
                        continue;
                    };
                    if self.written > 0 {
                        piece.push(',');
                    }
                    piece.push_str(&json);
                    self.written += 1;
                }
                Ok(Some(piece))
            }
            Step::End => Ok(Some("]}\n".to_owned())),
            Step::Done => Ok(None),
        }
    }

    fn grant_json(&mut self, found: &PublishedGrant) -> Result<Option<String>, StoreError> {
        let funder = Party {
            organisation: &found.funder,
            imported_id: found.funder_imported_id.as_deref(),
        };
        let recipient = Party {
            organisation: &found.recipient,
            imported_id: found.recipient_imported_id.as_deref(),
        };
        match grant_to_360giving(&found.grant, funder, recipient) {
            Ok(grant) => to_json(&grant).map(Some),
            Err(why) => {
                tracing::warn!(identifier = %found.grant.identifier, %why, "grant left out of the 360Giving export");
                self.left_out += 1;
                Ok(None)
            }
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("360Giving JSON: {e}")))
}

/// `GET /export/360giving.json`: the package, streamed. Public data only, so no token is
/// read. A failure midway ends the body early, which the client sees as a cut-off download.
pub async fn export(State(state): State<AppState>) -> Response {
    let pieces = futures_util::stream::unfold(Export::new(state.store), |mut export| async {
        match export.next_piece().await {
            Ok(Some(piece)) => Some((Ok(piece), export)),
            Ok(None) => None,
            Err(error) => {
                tracing::error!(%error, "the 360Giving export failed midway");
                Some((Err(error), export))
            }
        }
    });
    let headers = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )];
    (headers, Body::from_stream(pieces)).into_response()
}
