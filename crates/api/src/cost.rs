//! What a query may cost, computed from its document before anything runs.
//!
//! async-graphql's own complexity counts every field once and ignores connection arguments
//! (its issue #848), so a query asking for 100 × 100 × 100 nodes looks as cheap as one asking
//! for 1 × 1 × 1. Here, as in GitHub's GraphQL API, each list multiplies what is under it:
//!
//! - a field with `first`/`last` (a connection, or a paged list) returns that many items, or its
//!   default page size when neither is given;
//! - a field with a cap argument `maxX` (an organisation's `network(maxNodes, maxEdges)`)
//!   returns at most that many items in its list `x` (`nodes`, `edges`): the cap counts as that
//!   list's page size, given or by default;
//! - any other list of objects (an organisation's `projects`, a project's `participants`) is
//!   taken as [`QueryLimits::list_estimate`] items;
//! - `nodes` is the number of objects the query may return: every field whose type is an
//!   object, counted once per parent object;
//! - `cost` is what the rate limits charge: one point per possible object, at least one, and
//!   [`MUTATION_FIELD_COST`] more for each mutation field.
//!
//! Introspection (`__schema`, `__type`) reads no data and costs nothing.

use async_graphql::Value;
use async_graphql::Variables;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql_value::Value as AstValue;
use panorama_domain::page::DEFAULT_PAGE_SIZE;

/// The cost points a mutation field adds to its query: writes cost more than reads.
pub const MUTATION_FIELD_COST: u64 = 10;

/// What a query may ask for. Every limit is checked before anything is resolved. Settings
/// reach these as `PANORAMA_LIMITS__MAX_NODES` and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct QueryLimits {
    /// Fields nested in fields (fragments do not count).
    pub max_depth: usize,
    /// Objects a query may return, with lists multiplied through (see the module's comment).
    pub max_nodes: u64,
    /// Fields given an alias.
    pub max_aliases: usize,
    /// Fields at the top of the operation.
    pub max_root_fields: usize,
    /// Directives used (`@include`, `@skip`, …).
    pub max_directives: usize,
    /// The query text, in bytes.
    pub max_document_bytes: usize,
    /// How many items a list without `first`/`last` is taken to hold.
    pub list_estimate: u64,
    /// A request body (the query, its variables and operation name), in bytes.
    pub max_body_bytes: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 16,
            max_nodes: 100_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 50,
            max_document_bytes: 32 * 1024,
            list_estimate: 10,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// The figures of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryCost {
    pub depth: usize,
    pub nodes: u64,
    pub aliases: usize,
    pub root_fields: usize,
    pub directives: usize,
    pub cost: u64,
}

/// A limit a query went over: which, the limit, and the query's figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverLimit {
    pub code: &'static str,
    pub what: &'static str,
    pub limit: u64,
    pub actual: u64,
}

impl QueryCost {
    /// The first limit this operation goes over, if any.
    pub fn over(&self, limits: &QueryLimits) -> Option<OverLimit> {
        let checks = [
            (
                "DEPTH_LIMIT_EXCEEDED",
                "fields nested",
                limits.max_depth as u64,
                self.depth as u64,
            ),
            (
                "NODE_LIMIT_EXCEEDED",
                "objects the query may return",
                limits.max_nodes,
                self.nodes,
            ),
            (
                "ALIAS_LIMIT_EXCEEDED",
                "aliases",
                limits.max_aliases as u64,
                self.aliases as u64,
            ),
            (
                "ROOT_FIELD_LIMIT_EXCEEDED",
                "top-level fields",
                limits.max_root_fields as u64,
                self.root_fields as u64,
            ),
            (
                "DIRECTIVE_LIMIT_EXCEEDED",
                "directives",
                limits.max_directives as u64,
                self.directives as u64,
            ),
        ];
        checks
            .into_iter()
            .find(|(_, _, limit, actual)| actual > limit)
            .map(|(code, what, limit, actual)| OverLimit {
                code,
                what,
                limit,
                actual,
            })
    }
}

/// The operation a request runs: the named one, or the only one.
pub fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    let mut operations = document.operations.iter();
    match name {
        Some(name) => operations
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| op),
        None => operations.next().map(|(_, op)| op),
    }
}

/// The figures of `operation`; fields the schema does not know are skipped (validation reports
/// them).
pub fn measure(
    registry: &Registry,
    document: &ExecutableDocument,
    operation: &OperationDefinition,
    variables: &Variables,
    limits: &QueryLimits,
) -> QueryCost {
    let root_type = match operation.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    let mut walk = Walk {
        registry,
        document,
        variables,
        list_estimate: limits.list_estimate,
        figures: QueryCost {
            directives: operation.directives.len(),
            ..QueryCost::default()
        },
        fragment_depth: 0,
        introspecting: false,
    };
    let root = root_type.and_then(|name| registry.types.get(name));
    let mut root_fields = 0;
    walk.selection_set(
        &operation.selection_set.node,
        root,
        1,
        None,
        &[],
        1,
        &mut |_| root_fields += 1,
    );
    let mut figures = walk.figures;
    figures.root_fields = root_fields;
    let writes = match operation.ty {
        OperationType::Mutation => MUTATION_FIELD_COST * root_fields as u64,
        _ => 0,
    };
    figures.cost = figures.nodes.max(1) + writes;
    figures
}

struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    list_estimate: u64,
    figures: QueryCost,
    /// Fragments spread inside fragments: bounded, in case validation has not run yet.
    fragment_depth: usize,
    /// Under `__schema` or `__type`: nested and limited like the rest, but free.
    introspecting: bool,
}

impl Walk<'_> {
    /// Walks a selection set of `parent` (None when unknown), each object under it counted
    /// `multiplier` times; `page` is the page size of the connection it belongs to, and `caps`
    /// the sizes its `maxX` arguments give its lists. `on_field` sees each field at this level
    /// (fragments included).
    #[allow(clippy::too_many_arguments)]
    fn selection_set(
        &mut self,
        set: &SelectionSet,
        parent: Option<&MetaType>,
        multiplier: u64,
        page: Option<u64>,
        caps: &[(String, u64)],
        depth: usize,
        on_field: &mut dyn FnMut(&Field),
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    on_field(&field.node);
                    self.field(&field.node, parent, multiplier, page, caps, depth);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    self.figures.directives += fragment.directives.len();
                    let on = fragment
                        .type_condition
                        .as_ref()
                        .and_then(|c| self.registry.types.get(c.node.on.node.as_str()))
                        .or(parent);
                    let set = &fragment.selection_set.node;
                    self.selection_set(set, on, multiplier, page, caps, depth, on_field);
                }
                Selection::FragmentSpread(spread) => {
                    let spread = &spread.node;
                    self.figures.directives += spread.directives.len();
                    let Some(fragment) = self.document.fragments.get(&spread.fragment_name.node)
                    else {
                        continue;
                    };
                    if self.fragment_depth > 32 {
                        continue;
                    }
                    let fragment = &fragment.node;
                    self.figures.directives += fragment.directives.len();
                    let on = self
                        .registry
                        .types
                        .get(fragment.type_condition.node.on.node.as_str());
                    self.fragment_depth += 1;
                    let set = &fragment.selection_set.node;
                    self.selection_set(set, on, multiplier, page, caps, depth, on_field);
                    self.fragment_depth -= 1;
                }
            }
        }
    }

    fn field(
        &mut self,
        field: &Field,
        parent: Option<&MetaType>,
        multiplier: u64,
        page: Option<u64>,
        caps: &[(String, u64)],
        depth: usize,
    ) {
        self.figures.depth = self.figures.depth.max(depth);
        self.figures.aliases += usize::from(field.alias.is_some());
        self.figures.directives += field.directives.len();
        let name = field.name.node.as_str();
        let root_introspection = match name {
            "__schema" => Some("__Schema"),
            "__type" => Some("__Type"),
            _ => None,
        };
        if let Some(target) = root_introspection.and_then(|t| self.registry.types.get(t)) {
            let outer = std::mem::replace(&mut self.introspecting, true);
            let set = &field.selection_set.node;
            let target = Some(target);
            self.selection_set(set, target, multiplier, None, &[], depth + 1, &mut |_| {});
            self.introspecting = outer;
            return;
        }
        let Some(meta) = parent.and_then(|p| p.field_by_name(name)) else {
            return;
        };
        let Some(target) = self
            .registry
            .types
            .get(MetaTypeName::concrete_typename(&meta.ty))
        else {
            return;
        };
        if !target.is_composite() {
            return;
        }
        let own_page = self.page_size(field, meta);
        let is_list = MetaTypeName::create(&meta.ty).is_list();
        let cap = caps.iter().find(|(list, _)| list == name).map(|(_, n)| *n);
        let count = if is_list {
            let size = cap.or(own_page).or(page).unwrap_or(self.list_estimate);
            multiplier.saturating_mul(size)
        } else {
            multiplier
        };
        if !self.introspecting {
            self.figures.nodes = self.figures.nodes.saturating_add(count);
        }
        // A connection's page size applies to the lists inside it (`edges`, `nodes`).
        let inner_page = if is_list { None } else { own_page };
        let own_caps = self.caps(field, meta);
        let set = &field.selection_set.node;
        let target = Some(target);
        self.selection_set(
            set,
            target,
            count,
            inner_page,
            &own_caps,
            depth + 1,
            &mut |_| {},
        );
    }

    /// The list sizes that `maxX` arguments give, as given or by default: `maxNodes: 50`
    /// bounds the list `nodes` inside the field to 50 items.
    fn caps(&self, field: &Field, meta: &async_graphql::registry::MetaField) -> Vec<(String, u64)> {
        meta.args
            .iter()
            .filter_map(|(arg, meta_arg)| {
                let list = arg
                    .strip_prefix("max")
                    .filter(|l| l.starts_with(char::is_uppercase))?;
                let given = field
                    .arguments
                    .iter()
                    .find(|(name, _)| name.node.as_str() == arg)
                    .and_then(|(_, value)| self.number(&value.node));
                let size = given.or_else(|| meta_arg.default_value.as_deref()?.parse().ok())?;
                let mut name = list.to_owned();
                name[..1].make_ascii_lowercase();
                Some((name, size))
            })
            .collect()
    }

    /// `first` or `last` as given (a literal or a variable), else the argument's default, else
    /// the default page size; `None` for fields without them.
    fn page_size(&self, field: &Field, meta: &async_graphql::registry::MetaField) -> Option<u64> {
        let paged = ["first", "last"]
            .into_iter()
            .filter(|arg| meta.args.contains_key(*arg))
            .collect::<Vec<_>>();
        if paged.is_empty() {
            return None;
        }
        let given = field
            .arguments
            .iter()
            .filter(|(name, _)| paged.contains(&name.node.as_str()))
            .filter_map(|(_, value)| self.number(&value.node))
            .max();
        let default = || {
            paged
                .iter()
                .filter_map(|arg| meta.args[*arg].default_value.as_deref()?.parse().ok())
                .max()
        };
        Some(
            given
                .or_else(default)
                .unwrap_or(u64::from(DEFAULT_PAGE_SIZE)),
        )
    }

    /// A literal number, or a variable holding one.
    fn number(&self, value: &AstValue) -> Option<u64> {
        match value {
            AstValue::Number(n) => n.as_u64(),
            AstValue::Variable(name) => match self.variables.get(name) {
                Some(Value::Number(n)) => n.as_u64(),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures of `query`, read from the refusal of a schema that allows no node and no
    /// mutation: limits are checked before anything runs, so no data is needed.
    async fn figures(query: &str, variables: serde_json::Value) -> (u64, u64) {
        let limits = QueryLimits {
            max_nodes: 0,
            ..QueryLimits::default()
        };
        let schema = crate::builder(limits, crate::PersistedQueries::default()).finish();
        let request = async_graphql::Request::new(query).variables(Variables::from_json(variables));
        let response = schema.execute(request).await;
        let error = response.errors.first().expect("refused");
        let extensions = error.extensions.as_ref().expect("extensions");
        let number = |name: &str| match extensions.get(name) {
            Some(async_graphql::Value::Number(n)) => n.as_u64().expect("a count"),
            other => panic!("{name}: {other:?}"),
        };
        (number("actual"), number("limit"))
    }

    #[tokio::test]
    async fn lists_multiply_through_connections() {
        let (nodes, limit) = figures(
            "query($n: Int) { organisations(first: $n) { nodes { name projects { project { title } } } } }",
            serde_json::json!({ "n": 50 }),
        )
        .await;
        // The connection, 50 organisations, 50 × 10 participations and their projects.
        assert_eq!((nodes, limit), (1 + 50 + 500 + 500, 0));
    }

    #[tokio::test]
    async fn defaults_fragments_and_free_introspection() {
        let (nodes, _) = figures(
            "{ a: organisations { edges { node { ...F } } } b: projects(last: 5) { totalCount }
               __schema { types { fields { name } } } }
             fragment F on Organisation { name @include(if: true) projects { role } }",
            serde_json::json!({}),
        )
        .await;
        // a: connection + 20 edges + 20 nodes (default page size) + 20 × 10 participations;
        // b: its connection only; introspection: nothing.
        assert_eq!(nodes, 1 + 20 + 20 + 200 + 1);
    }

    #[tokio::test]
    async fn network_caps_count_as_the_size_of_its_lists() {
        let (nodes, _) = figures(
            "query($n: Int) { organisations(first: 2) { nodes { network(depth: 3, maxNodes: $n) {
               nodes { organisation { name } } edges { reasons { kind } } } } } }",
            serde_json::json!({ "n": 50 }),
        )
        .await;
        // The connection, 2 organisations and their 2 networks; per network 50 nodes and their
        // organisations, 300 edges (the default `maxEdges`) and 10 reasons each (estimated).
        assert_eq!(nodes, 1 + 2 + 2 + 2 * (50 + 50 + 300 + 3000));
    }

    #[tokio::test]
    async fn suggestions_count_as_many_as_asked_for() {
        let (nodes, _) = figures(
            r#"query($n: Int) {
               collaborationSuggestions(organisationId: "x", first: $n) {
                 organisation { network { nodes { distance } } } terms { name } }
               fundingMatches(organisationId: "x") { opportunity { title } terms { name } } }"#,
            serde_json::json!({ "n": 50 }),
        )
        .await;
        // 50 suggestions, their organisations, networks (100 nodes by default) and 10 terms
        // each (estimated); 10 matches (the default) with their opportunities and terms.
        assert_eq!(nodes, 50 * (1 + 1 + 1 + 100 + 10) + 10 * (1 + 1 + 10));
    }
}
