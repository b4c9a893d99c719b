//! Query limits as an async-graphql extension: a request's document is measured (see
//! [`crate::cost`]) once it has been parsed and validated, and refused there, before any
//! resolver (and so any SQL) runs, with `extensions.code`, the limit and the query's figure.
//! An accepted query reports its figures in the response's `extensions.cost`.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    ErrorExtensionValues, Request, Response, ServerError, ServerResult, ValidationResult, Value,
    Variables,
};

use crate::cost::{OverLimit, QueryCost, QueryLimits, measure, operation};

/// Installs the limits on a schema.
pub struct Limits(pub QueryLimits);

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsOfRequest {
            limits: self.0,
            seen: Mutex::new(Seen::default()),
        })
    }
}

/// What one request's hooks hand each other.
#[derive(Default)]
struct Seen {
    operation_name: Option<String>,
    document: Option<ExecutableDocument>,
    variables: Variables,
    cost: Option<QueryCost>,
}

struct LimitsOfRequest {
    limits: QueryLimits,
    seen: Mutex<Seen>,
}

impl LimitsOfRequest {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A poisoned lock only means another hook of this request panicked.
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsOfRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let size = request.query.len();
        if size > self.limits.max_document_bytes {
            return Err(refusal(OverLimit {
                code: "DOCUMENT_TOO_LARGE",
                what: "bytes of query text",
                limit: self.limits.max_document_bytes as u64,
                actual: size as u64,
            }));
        }
        {
            let mut seen = self.seen();
            seen.operation_name = request.operation_name.clone();
            seen.variables = request.variables.clone();
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        self.seen().document = Some(document.clone());
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let mut seen = self.seen();
        let figures = seen.document.as_ref().and_then(|document| {
            let op = operation(document, seen.operation_name.as_deref())?;
            Some(measure(
                &ctx.schema_env.registry,
                document,
                &op.node,
                &seen.variables,
                &self.limits,
            ))
        });
        seen.document = None;
        if let Some(figures) = figures {
            if let Some(over) = figures.over(&self.limits) {
                return Err(vec![refusal(over)]);
            }
            seen.cost = Some(figures);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        if let Some(cost) = self.seen().cost {
            response.extensions.insert("cost".to_owned(), report(&cost));
        }
        response
    }
}

/// `extensions.cost` of an accepted query.
fn report(cost: &QueryCost) -> Value {
    let mut fields = async_graphql::indexmap::IndexMap::new();
    let mut put = |name: &str, value: u64| {
        fields.insert(async_graphql::Name::new(name), Value::from(value));
    };
    put("requested", cost.cost);
    put("nodes", cost.nodes);
    put("depth", cost.depth as u64);
    Value::Object(fields)
}

fn refusal(over: OverLimit) -> ServerError {
    let mut error = ServerError::new(
        format!(
            "this query has {} {}; at most {} are allowed",
            over.actual, over.what, over.limit
        ),
        None,
    );
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", over.code);
    extensions.set("limit", over.limit);
    extensions.set("actual", over.actual);
    error.extensions = Some(extensions);
    error
}
