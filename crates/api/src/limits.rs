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
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};

use crate::cost::{OverLimit, QueryCost, QueryLimits, measure, operation};
use crate::error::refused_request;
use crate::rate_limit::{Charge, RateSlot};

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
    /// The figures of the operation the request runs (once; the document is dropped).
    fn measure(&self, ctx: &ExtensionContext<'_>) -> Option<QueryCost> {
        let mut seen = self.seen();
        let document = seen.document.take()?;
        let op = operation(&document, seen.operation_name.as_deref())?;
        Some(measure(
            &ctx.schema_env.registry,
            &document,
            &op.node,
            &seen.variables,
            &self.limits,
        ))
    }

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
        let Some(figures) = self.measure(ctx) else {
            return Ok(result);
        };
        if let Some(over) = figures.over(&self.limits) {
            return Err(vec![refusal(over)]);
        }
        self.seen().cost = Some(figures);
        if let Some(slot) = ctx.data_opt::<Arc<RateSlot>>() {
            let charge = slot.limiter.charge(&slot.bucket, figures.cost).await;
            slot.record(charge);
            if !charge.allowed {
                return Err(vec![rate_limited(figures.cost, charge)]);
            }
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

/// `extensions.cost` of an accepted query. (The caller's budget is in the `RateLimit-*`
/// headers, so that the same query gets the same body.)
fn report(cost: &QueryCost) -> Value {
    object([
        ("requested", cost.cost),
        ("nodes", cost.nodes),
        ("depth", cost.depth as u64),
    ])
}

fn object<const N: usize>(pairs: [(&str, u64); N]) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(name, value)| (async_graphql::Name::new(name), Value::from(value)))
            .collect(),
    )
}

/// The refusal of a query the caller's budget cannot pay for now.
fn rate_limited(cost: u64, charge: Charge) -> ServerError {
    let message = if cost > charge.limit {
        format!(
            "this query costs {cost} points, more than your whole budget of {} a window: ask for fewer objects",
            charge.limit
        )
    } else {
        format!(
            "this query costs {cost} points and {} are left: try again in {} s",
            charge.remaining, charge.reset_secs
        )
    };
    let figures = [
        ("cost", cost),
        ("remaining", charge.remaining),
        ("retryAfter", charge.reset_secs),
    ];
    refused_request(message, "RATE_LIMITED", &figures)
}

fn refusal(over: OverLimit) -> ServerError {
    let message = format!(
        "this query has {} {}; at most {} are allowed",
        over.actual, over.what, over.limit
    );
    let figures = [("limit", over.limit), ("actual", over.actual)];
    refused_request(message, over.code, &figures)
}
