//! Persisted queries, as Apollo's protocol has them (`extensions.persistedQuery.sha256Hash`):
//! a frontend sends the hash of its query, and the query itself only the first time the server
//! has not seen it. With an allow-list (a file of registered operations), only those run, by
//! hash or by text: a public endpoint that serves known frontends can refuse everything else.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::parse_query;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError, ServerResult, Value};
use sha2::{Digest, Sha256};

/// How persisted queries behave.
#[derive(Clone, Debug)]
pub struct PersistedQueries {
    /// How many queries registered by hash are remembered (least recently used go first).
    pub cache_size: NonZeroUsize,
    /// The registered operations, by hash; with `allow_list_only`, nothing else runs.
    pub allow_list: Option<Arc<AllowList>>,
    pub allow_list_only: bool,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self {
            cache_size: NonZeroUsize::new(1000).unwrap_or(NonZeroUsize::MIN),
            allow_list: None,
            allow_list_only: false,
        }
    }
}

/// Registered operations by the SHA-256 of their text (lower-case hex).
#[derive(Debug, Default)]
pub struct AllowList(HashMap<String, ExecutableDocument>);

impl AllowList {
    /// Reads a JSON manifest: an object of `"<sha256>": "<query>"` (each hash checked against
    /// its query) or a list of queries.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let entries: Vec<(Option<String>, String)> = match value {
            serde_json::Value::Object(map) => map
                .into_iter()
                .map(|(hash, query)| match query {
                    serde_json::Value::String(query) => Ok((Some(hash), query)),
                    _ => Err(format!("{hash}: the value must be the query's text")),
                })
                .collect::<Result<_, _>>()?,
            serde_json::Value::Array(list) => list
                .into_iter()
                .map(|query| match query {
                    serde_json::Value::String(query) => Ok((None, query)),
                    _ => Err("every item must be a query's text".to_owned()),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err("expected an object of hash → query, or a list of queries".into()),
        };
        let mut operations = HashMap::new();
        for (given, query) in entries {
            let hash = sha256(&query);
            if given
                .as_ref()
                .is_some_and(|g| !g.eq_ignore_ascii_case(&hash))
            {
                return Err(format!(
                    "{}: not the SHA-256 of its query",
                    given.unwrap_or_default()
                ));
            }
            let document = parse_query(&query).map_err(|e| format!("{hash}: {e}"))?;
            operations.insert(hash, document);
        }
        Ok(Self(operations))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Installs persisted queries on a schema.
pub struct Persisted {
    options: PersistedQueries,
    cache: Arc<Mutex<lru::LruCache<String, ExecutableDocument>>>,
}

impl Persisted {
    pub fn new(options: PersistedQueries) -> Self {
        let cache = lru::LruCache::new(options.cache_size);
        Self {
            options,
            cache: Arc::new(Mutex::new(cache)),
        }
    }
}

impl ExtensionFactory for Persisted {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PersistedOfRequest {
            options: self.options.clone(),
            cache: Arc::clone(&self.cache),
        })
    }
}

struct PersistedOfRequest {
    options: PersistedQueries,
    cache: Arc<Mutex<lru::LruCache<String, ExecutableDocument>>>,
}

impl PersistedOfRequest {
    fn cache(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, ExecutableDocument>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn allowed(&self, hash: &str) -> Option<&ExecutableDocument> {
        self.options.allow_list.as_ref()?.0.get(hash)
    }

    /// Refuses an operation that is not registered, in allow-list mode.
    fn check_allowed(&self, hash: &str) -> ServerResult<()> {
        if self.options.allow_list_only && self.allowed(hash).is_none() {
            return Err(error(
                "only registered operations run here",
                "PERSISTED_QUERY_NOT_ALLOWED",
            ));
        }
        Ok(())
    }

    fn resolve(&self, mut request: Request) -> ServerResult<Request> {
        let hash = match request.extensions.remove("persistedQuery") {
            Some(value) => Some(requested_hash(value)?),
            None => None,
        };
        match (request.query.is_empty(), hash) {
            (false, None) => self.check_allowed(&sha256(&request.query))?,
            (false, Some(hash)) => {
                if sha256(&request.query) != hash {
                    return Err(error(
                        "sha256Hash is not the SHA-256 of the query",
                        "PERSISTED_QUERY_HASH_MISMATCH",
                    ));
                }
                self.check_allowed(&hash)?;
                let document = parse_query(&request.query)?;
                self.cache().put(hash, document.clone());
                request.set_parsed_query(document);
            }
            (true, Some(hash)) => {
                self.check_allowed(&hash)?;
                let known = match self.allowed(&hash) {
                    Some(document) => Some(document.clone()),
                    None => self.cache().get(&hash).cloned(),
                };
                // Apollo clients look for this message, then send the query with its hash.
                let document = known
                    .ok_or_else(|| error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"))?;
                request.set_parsed_query(document);
            }
            (true, None) => {}
        }
        Ok(request)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for PersistedOfRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = self.resolve(request)?;
        next.run(ctx, request).await
    }
}

/// The hash of `extensions.persistedQuery` (version 1).
fn requested_hash(value: Value) -> ServerResult<String> {
    let invalid = || {
        error(
            "extensions.persistedQuery must be { version: 1, sha256Hash: \"<hex>\" }",
            "PERSISTED_QUERY_INVALID",
        )
    };
    let Value::Object(fields) = value else {
        return Err(invalid());
    };
    let version = fields.get("version");
    if version != Some(&Value::from(1)) {
        return Err(invalid());
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash)) if hash.len() == 64 => Ok(hash.to_ascii_lowercase()),
        _ => Err(invalid()),
    }
}

fn error(message: &str, code: &str) -> ServerError {
    crate::error::refused_request(message, code, &[])
}
