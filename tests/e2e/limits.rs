//! Limits: legal identifiers checked against the operator's org-id list, and oversized or
//! malformed requests answered with a clear error, quickly, by a server that keeps serving.

use std::time::Duration;

use panorama_domain::validation::{FALLBACK_SCHEMES, OrgIdSchemes, SchemeList};
use panorama_tests::{TestApp, backends, shared_data, user_errors};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateOrganisationInput!) {
    createOrganisation(input: $input) { record { id version legalIdentifiers { scheme value } } userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateOrganisationInput!) {
    updateOrganisation(input: $input) { record { id } userErrors { field message code } } }"#;
const COUNT: &str = "{ organisations(first: 1) { totalCount } }";

/// A list code of the real org-id register that the fallback list does not hold.
const ONLY_IN_REGISTER: &str = "NZ-CR";
/// A deprecated code of the register (its successor is `FR-RCS`).
const DEPRECATED: &str = "FR-INSEE";
const UNKNOWN: &str = "ZZ-NOPE";

/// The longest any one request of these tests may take: a hang fails the test, not the suite.
const PATIENCE: Duration = Duration::from_secs(20);

fn admin(app: &TestApp) -> String {
    app.user_token(&["admin"], &[])
}

fn with_identifier(scheme: &str) -> Value {
    json!({ "input": { "name": format!("Holder of {scheme}"),
        "legalIdentifiers": [{ "scheme": scheme, "value": "12345" }] } })
}

/// The `userErrors` of a mutation as (field path joined by dots, code).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legal_identifiers_are_checked_against_the_configured_org_id_list() {
    let Some(file) = shared_data()
        .map(|dir| dir.join("org-id/org-id-lists.csv"))
        .filter(|file| file.is_file())
    else {
        eprintln!("skipped: the org-id list (shared data org-id/org-id-lists.csv) is not present");
        return;
    };
    // The codes really tell the two lists apart.
    let register = SchemeList::parse_org_id_csv(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(register.is_known(ONLY_IN_REGISTER));
    assert!(!FALLBACK_SCHEMES.contains(&ONLY_IN_REGISTER));
    for code in [DEPRECATED, UNKNOWN] {
        assert!(!register.is_known(code) && !FALLBACK_SCHEMES.contains(&code));
    }

    for backend in backends() {
        // Without the setting, the fallback list refuses the register's code.
        let app = TestApp::empty(&backend).await;
        let data = app
            .data_as(
                Some(&admin(&app)),
                CREATE,
                with_identifier(ONLY_IN_REGISTER),
            )
            .await;
        assert_eq!(
            user_errors(&data["createOrganisation"]),
            [(
                "input.legalIdentifiers.0.scheme".to_owned(),
                "UNKNOWN_CODE".to_owned()
            )],
            "[{backend:?}] the fallback list has no {ONLY_IN_REGISTER}"
        );
        app.stop().await;

        // With the register, the same code is accepted.
        let app = TestApp::with_org_id_lists(&backend, &file).await;
        let token = admin(&app);
        let data = app
            .data_as(Some(&token), CREATE, with_identifier(ONLY_IN_REGISTER))
            .await;
        assert_eq!(user_errors(&data["createOrganisation"]), []);
        let record = &data["createOrganisation"]["record"];
        assert_eq!(
            record["legalIdentifiers"],
            json!([{ "scheme": ONLY_IN_REGISTER, "value": "12345" }])
        );

        // An unknown and a deprecated code are refused on create and on update, and nothing
        // is written.
        for scheme in [UNKNOWN, DEPRECATED] {
            let data = app
                .data_as(Some(&token), CREATE, with_identifier(scheme))
                .await;
            let errors = &data["createOrganisation"]["userErrors"];
            assert_eq!(
                errors[0]["field"],
                json!(["input", "legalIdentifiers", "0", "scheme"]),
                "[{backend:?}] {data}"
            );
            assert_eq!(errors[0]["code"], "UNKNOWN_CODE", "[{backend:?}] {data}");
            assert_eq!(errors.as_array().unwrap().len(), 1, "{data}");
            assert!(data["createOrganisation"]["record"].is_null());

            let update = json!({ "input": { "id": record["id"],
                "legalIdentifiers": [{ "scheme": scheme, "value": "1" }] } });
            let data = app.data_as(Some(&token), UPDATE, update).await;
            assert_eq!(
                user_errors(&data["updateOrganisation"]),
                [(
                    "input.legalIdentifiers.0.scheme".to_owned(),
                    "UNKNOWN_CODE".to_owned()
                )],
                "[{backend:?}]"
            );
        }
        let count = app.data_as(Some(&token), COUNT, json!({})).await;
        assert_eq!(count["organisations"]["totalCount"], 1, "[{backend:?}]");
        let version = app
            .data_as(
                Some(&token),
                "query($id: ID!) { node(id: $id) { ... on Organisation { version } } }",
                json!({ "id": record["id"] }),
            )
            .await;
        assert_eq!(
            version["node"]["version"], 1,
            "[{backend:?}] refused updates write nothing"
        );
        app.stop().await;
    }
}

/// What the server answered to a raw request.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// The first error message of a JSON error body.
    fn message(&self) -> String {
        self.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message: {self:?}"))
            .to_owned()
    }

    /// The `extensions.code` of the first error.
    fn code(&self) -> String {
        self.json()["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// POSTs `body` as JSON to `/graphql`, within [`PATIENCE`].
async fn post_raw(app: &TestApp, token: &str, body: impl Into<reqwest::Body>) -> Answer {
    let request = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send();
    let response = tokio::time::timeout(PATIENCE, request)
        .await
        .expect("an answer in time")
        .expect("an HTTP answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = tokio::time::timeout(PATIENCE, response.text())
        .await
        .expect("a body in time")
        .expect("a body");
    Answer {
        status,
        content_type,
        body,
    }
}

/// POSTs `body` to `/graphql` over a raw socket, with `framing` (`Content-Length: …` or
/// `Transfer-Encoding: chunked`) and the body as given. The body is written while the answer is
/// read: a server that answers before it has read everything may close the connection under a
/// client still writing, which an HTTP client reports as a broken pipe instead of the answer.
async fn post_socket(app: &TestApp, framing: &str, body: Vec<u8>) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.url("").trim_start_matches("http://").to_owned();
    let socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = socket.into_split();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         {framing}\r\nConnection: close\r\n\r\n"
    );
    let write = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        writer.write_all(&body).await
    });
    // Up to the end, or to a reset once the server has closed on unread data: what arrived
    // before it is the answer.
    let mut raw = Vec::new();
    let mut buffer = vec![0; 64 * 1024];
    let reading = async {
        while let Ok(read @ 1..) = reader.read(&mut buffer).await {
            raw.extend_from_slice(&buffer[..read]);
        }
    };
    tokio::time::timeout(PATIENCE, reading)
        .await
        .expect("an answer in time");
    write.abort();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {raw:?}"));
    let status = head[9..12].parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    Answer {
        status,
        content_type,
        body: body.to_owned(),
    }
}

/// How many organisations there are; also shows the server still answers.
async fn organisations(app: &TestApp, token: &str) -> u64 {
    let request = app.data_as(Some(token), COUNT, json!({}));
    let data = tokio::time::timeout(PATIENCE, request)
        .await
        .expect("the server still answers");
    data["organisations"]["totalCount"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_input_is_refused_and_writes_nothing() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let token = admin(&app);
        let before = organisations(&app, &token).await;

        // 10 MB in a variable: over the 1 MiB body limit, refused from its announced length
        // before the body is read.
        let body = json!({ "query": CREATE,
            "variables": { "input": { "name": "x".repeat(10_000_000) } } });
        let body = body.to_string().into_bytes();
        let length = format!("Content-Length: {}", body.len());
        let answer = post_socket(&app, &length, body).await;
        eprintln!("[{backend:?}] 10 MB variable: {answer:?}");
        assert_eq!(answer.status, 413, "[{backend:?}] {answer:?}");
        assert_eq!(answer.body, "length limit exceeded", "[{backend:?}]");
        assert_eq!(organisations(&app, &token).await, before, "[{backend:?}]");

        // Over the limit without an announced length (one chunk of a chunked body): found out
        // while the body is read, with the same status.
        let len = 1024 * 1024 + 1;
        let mut body = format!("{len:x}\r\n").into_bytes();
        body.resize(body.len() + len, b' ');
        body.extend_from_slice(b"\r\n0\r\n\r\n");
        let answer = post_socket(&app, "Transfer-Encoding: chunked", body).await;
        eprintln!("[{backend:?}] chunked body over the limit: {answer:?}");
        assert_eq!(answer.status, 413, "[{backend:?}] {answer:?}");
        assert!(
            answer.message().contains("larger than 1048576 bytes"),
            "{answer:?}"
        );
        assert_eq!(answer.code(), "PAYLOAD_TOO_LARGE", "{answer:?}");
        assert_eq!(organisations(&app, &token).await, before, "[{backend:?}]");

        // Under the body limit but over the field's: a user error, nothing written.
        let input =
            json!({ "input": { "name": "Long Story", "description": "x".repeat(300_000) } });
        let body = json!({ "query": CREATE, "variables": input });
        let answer = post_raw(&app, &token, body.to_string()).await;
        assert_eq!(answer.status, 200, "[{backend:?}] {answer:?}");
        let data = &answer.json()["data"];
        assert_eq!(
            user_errors(&data["createOrganisation"]),
            [("input.description".to_owned(), "TOO_LONG".to_owned())],
            "[{backend:?}]"
        );
        assert!(data["createOrganisation"]["record"].is_null());
        assert_eq!(organisations(&app, &token).await, before, "[{backend:?}]");
        app.stop().await;
    }
}

/// A document too deeply nested to parse: an ordinary GraphQL error (status 200, no data)
/// naming the parser's stack limit and where it was reached.
fn assert_parser_stopped(answer: &Answer, backend: &panorama_tests::Backend) {
    eprintln!(
        "[{backend:?}] {} {}: {}…",
        answer.status,
        answer.content_type,
        answer.body.chars().take(120).collect::<String>()
    );
    assert_eq!(answer.status, 200, "[{backend:?}] {answer:?}");
    let body = answer.json();
    assert!(body["data"].is_null(), "{answer:?}");
    assert!(
        answer.message().contains("stack limit reached"),
        "{answer:?}"
    );
    assert_eq!(body["errors"][0]["locations"][0]["line"], 1, "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_input_and_queries_are_refused() {
    // Deep enough for every parser to give up, short enough for the document size limit.
    const DEPTH: usize = 2_000;
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let token = admin(&app);
        let before = organisations(&app, &token).await;

        // A JSON variable nested 2,000 levels deep: the body is not accepted as a request.
        let nested = format!("{}1{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
        let body = format!(
            r#"{{"query": {}, "variables": {{"input": {{"name": "Deep", "tags": {nested}}}}}}}"#,
            Value::from(CREATE)
        );
        let answer = post_raw(&app, &token, body).await;
        eprintln!("[{backend:?}] nested variable: {answer:?}");
        assert_eq!(answer.status, 400, "[{backend:?}] {answer:?}");
        assert!(answer.message().contains("recursion limit"), "{answer:?}");
        assert_eq!(answer.code(), "BAD_REQUEST", "{answer:?}");
        assert_eq!(organisations(&app, &token).await, before, "[{backend:?}]");

        // The same nesting as a literal in the document: the parser stops at its own stack
        // limit, and the answer is a GraphQL error that says so where it happened.
        let query = format!(
            r#"mutation {{ createOrganisation(input: {{ name: "Deep", tags: {nested} }}) {{ record {{ id }} }} }}"#
        );
        let answer = post_raw(&app, &token, json!({ "query": query }).to_string()).await;
        assert_parser_stopped(&answer, &backend);
        assert_eq!(organisations(&app, &token).await, before, "[{backend:?}]");

        // A selection deeper than the depth limit (16) …
        let query = format!(
            "{{ __schema {{ types {{ {}name{} }} }} }}",
            "ofType { ".repeat(20),
            " }".repeat(20)
        );
        let answer = post_raw(&app, &token, json!({ "query": query }).to_string()).await;
        assert_eq!(answer.status, 200, "[{backend:?}] {answer:?}");
        assert!(answer.json()["data"].is_null(), "{answer:?}");
        assert_eq!(
            answer.json()["errors"][0]["extensions"],
            json!({ "code": "DEPTH_LIMIT_EXCEEDED", "limit": 16, "actual": 23 }),
            "{answer:?}"
        );

        // … and one 2,000 levels deep.
        let query = format!(
            "{{ __schema {{ types {{ {}name{} }} }} }}",
            "ofType { ".repeat(DEPTH),
            " }".repeat(DEPTH)
        );
        let answer = post_raw(&app, &token, json!({ "query": query }).to_string()).await;
        assert_parser_stopped(&answer, &backend);
        assert_eq!(organisations(&app, &token).await, before, "[{backend:?}]");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_is_a_bad_request() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let token = admin(&app);
        let before = organisations(&app, &token).await;
        let mut body = br#"{"query": "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { record { id } } }", "variables": {"input": {"name": ""#.to_vec();
        body.extend_from_slice(b"Caf\xc3\x28 \xff\xfe");
        body.extend_from_slice(br#""}}}"#);
        let answer = post_raw(&app, &token, body).await;
        eprintln!("[{backend:?}] invalid UTF-8: {answer:?}");
        assert_eq!(answer.status, 400, "[{backend:?}] {answer:?}");
        assert!(answer.message().contains("unicode"), "{answer:?}");
        assert_eq!(answer.code(), "BAD_REQUEST", "{answer:?}");
        assert_eq!(organisations(&app, &token).await, before, "[{backend:?}]");
        app.stop().await;
    }
}

/// `organisations → projects → project → participants → organisation`, `depth` times over.
fn nested_organisations(first: u32, depth: usize) -> String {
    let inner = "projects { project { participants { organisation { ".repeat(depth);
    let close = " } } } }".repeat(depth);
    format!("{{ organisations(first: {first}) {{ nodes {{ {inner}name{close} }} }} }}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_over_a_limit_are_refused_before_any_sql_with_their_figure() {
    for backend in backends() {
        let limits = panorama_api::QueryLimits {
            max_document_bytes: 4096,
            ..panorama_api::QueryLimits::default()
        };
        let app = TestApp::with_limits(&backend, limits).await;
        let refused = |query: String, variables: Value| {
            let app = &app;
            async move {
                let before = app.store().statement_count();
                let body = app.graphql(&query, variables).await;
                assert_eq!(
                    app.store().statement_count(),
                    before,
                    "[{:?}] SQL ran for a refused query",
                    app.backend
                );
                assert!(body["data"].is_null(), "{body}");
                body["errors"][0]["extensions"].clone()
            }
        };
        // 100 organisations, each with 10 × 10 × 10 … below: far more than 100,000 objects.
        let figures = refused(nested_organisations(100, 2), json!({})).await;
        assert_eq!(figures["code"], "NODE_LIMIT_EXCEEDED");
        assert_eq!(figures["limit"], 100_000);
        // 1 + 100 + (1,000 + 1,000 + 10,000 + 10,000) + (100,000 + 100,000 + 1,000,000 + 1,000,000)
        assert_eq!(figures["actual"], 2_222_101);
        // The same with `first` from a variable.
        let by_variable = nested_organisations(100, 2).replacen(
            "{ organisations(first: 100)",
            "query($n: Int) { organisations(first: $n)",
            1,
        );
        let figures = refused(by_variable, json!({ "n": 100 })).await;
        assert_eq!(figures["actual"], 2_222_101);

        let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
        let figures = refused(
            format!("{{ organisations(first: 1) {{ nodes {{ {aliases} }} }} }}"),
            json!({}),
        )
        .await;
        assert_eq!(
            figures,
            json!({ "code": "ALIAS_LIMIT_EXCEEDED", "limit": 30, "actual": 31 })
        );
        let roots: String = (0..21)
            .map(|i| format!("r{i}: taxonomy(vocabulary: FOCUS) {{ code }} "))
            .collect();
        let figures = refused(format!("{{ {roots} }}"), json!({})).await;
        assert_eq!(
            figures,
            json!({ "code": "ROOT_FIELD_LIMIT_EXCEEDED", "limit": 20, "actual": 21 })
        );
        let directives = "name @include(if: true) ".repeat(51);
        let figures = refused(
            format!("{{ organisations(first: 1) {{ nodes {{ {directives} }} }} }}"),
            json!({}),
        )
        .await;
        assert_eq!(
            figures,
            json!({ "code": "DIRECTIVE_LIMIT_EXCEEDED", "limit": 50, "actual": 51 })
        );
        let padded = format!(
            "{{ organisations(first: 1) {{ totalCount }} }} #{}",
            "x".repeat(4096)
        );
        let figures = refused(padded, json!({})).await;
        assert_eq!(figures["code"], "DOCUMENT_TOO_LARGE");
        assert_eq!(figures["limit"], 4096);

        // An accepted query says what it cost.
        let body = app.graphql(&nested_organisations(10, 1), json!({})).await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(
            body["extensions"]["cost"],
            json!({ "requested": 2211, "nodes": 2211, "depth": 7 })
        );
        app.stop().await;
    }
}
