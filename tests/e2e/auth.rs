//! Authentication end to end: the token endpoint, verification of every bearer token, key
//! persistence and rotation, people from the identity provider, and who sees what.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use panorama_api::auth::keys::SigningKey;
use panorama_domain::policy::PartnerKind;
use panorama_tests::{TEST_IDP, TestApp, TestPartner, backends, error_code};
use serde_json::{Value, json};

/// A token request: its name, form, Basic credentials, and the expected status and error.
type TokenCase<'a> = (
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<(&'a str, &'a str)>,
    u16,
    &'a str,
);

const VIEWER: &str =
    "{ viewer { role subject scopes partner { name kind } organisations { slug } } }";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims of a local partner token for `partner`, valid now.
fn partner_claims(partner: &TestPartner) -> Value {
    json!({
        "iss": "panorama", "aud": "panorama-api", "sub": partner.client_id, "partner_id": partner.id,
        "scope": "ecosystem:read", "iat": now(), "nbf": now() - 5, "exp": now() + 600,
        "jti": uuid::Uuid::now_v7(),
    })
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Asserts the request was refused whole: 401, UNAUTHENTICATED, and no data.
async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let (status, body) = app.graphql_as(Some(token), VIEWER, json!({})).await;
    assert_eq!(status, 401, "[{:?}] {case}: {body}", app.backend);
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{case}");
    assert!(
        body.get("data").is_none_or(Value::is_null),
        "{case}: no data expected, got {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoint_follows_rfc_6749() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let partner = app
            .partner(
                PartnerKind::Funder,
                "ecosystem:read grants:write",
                None,
                false,
            )
            .await;
        let id = partner.client_id.as_str();
        let secret = partner.secret.as_str();

        // Client authentication in the form…
        let (status, body) = app
            .token_request(
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", id),
                    ("client_secret", secret),
                ],
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        assert_eq!(body["scope"], "ecosystem:read grants:write");
        let token = body["access_token"].as_str().unwrap();
        // …signed with a key that the JWKS publishes, under its kid.
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "EdDSA");
        let jwks: Value = app
            .get("/.well-known/jwks.json")
            .await
            .json()
            .await
            .unwrap();
        assert!(
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kid"] == header["kid"] && k.get("d").is_none())
        );

        // …or by HTTP Basic, with a narrower scope.
        let (status, body) = app
            .token_request(
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "ecosystem:read"),
                ],
                Some((id, secret)),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["scope"], "ecosystem:read");
        let viewer = app
            .data_as(body["access_token"].as_str(), VIEWER, json!({}))
            .await;
        assert_eq!(viewer["viewer"]["role"], "PARTNER");
        assert_eq!(viewer["viewer"]["scopes"], json!(["ecosystem:read"]));
        assert_eq!(viewer["viewer"]["subject"], id);
        assert_eq!(viewer["viewer"]["partner"]["kind"], "FUNDER");

        let cases: Vec<TokenCase> = vec![
            (
                "wrong secret",
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", id),
                    ("client_secret", "nope"),
                ],
                None,
                401,
                "invalid_client",
            ),
            (
                "unknown client",
                vec![("grant_type", "client_credentials")],
                Some(("pc_nobody", secret)),
                401,
                "invalid_client",
            ),
            (
                "no client authentication",
                vec![("grant_type", "client_credentials")],
                None,
                401,
                "invalid_client",
            ),
            (
                "scope beyond the client's",
                vec![("grant_type", "client_credentials"), ("scope", "admin")],
                Some((id, secret)),
                400,
                "invalid_scope",
            ),
            (
                "unknown scope",
                vec![("grant_type", "client_credentials"), ("scope", "root")],
                Some((id, secret)),
                400,
                "invalid_scope",
            ),
            (
                "password grant",
                vec![
                    ("grant_type", "password"),
                    ("username", "a"),
                    ("password", "b"),
                ],
                Some((id, secret)),
                400,
                "unsupported_grant_type",
            ),
            (
                "no grant type",
                vec![],
                Some((id, secret)),
                400,
                "invalid_request",
            ),
            (
                "two ways of client authentication",
                vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", id),
                    ("client_secret", secret),
                ],
                Some((id, secret)),
                400,
                "invalid_request",
            ),
        ];
        for (case, form, basic, expected_status, expected_error) in cases {
            let (status, body) = app.token_request(&form, basic).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (expected_status, Some(expected_error)),
                "{case}: {body}"
            );
        }
        let wrong_type = reqwest::Client::new()
            .post(app.url("/oauth/token"))
            .json(&json!({ "grant_type": "client_credentials" }))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_type.status(), 400);
        let unauthorized = reqwest::Client::new()
            .post(app.url("/oauth/token"))
            .basic_auth(id, Some("wrong"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(unauthorized.status(), 401);
        assert!(unauthorized.headers().contains_key("www-authenticate"));
        assert_eq!(unauthorized.headers()["cache-control"], "no-store");

        // The client's last use is recorded; the secret is not stored in clear.
        let credentials = app.store().client_credentials(id).await.unwrap().unwrap();
        assert!(credentials.client.last_used_at.is_some());
        assert!(
            credentials.secret_hash.starts_with("$argon2id$")
                && !credentials.secret_hash.contains(secret)
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_token_is_refused_alike() {
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        // No token: an anonymous caller, not an error.
        let anonymous = app.data(VIEWER, json!({})).await;
        assert_eq!(anonymous["viewer"]["role"], "ANONYMOUS");

        let partner = app
            .partner(PartnerKind::Funder, "ecosystem:read", None, false)
            .await;
        let key = app.signing_key();
        let valid = app.sign(&key, &partner_claims(&partner));
        assert_eq!(
            app.data_as(Some(&valid), VIEWER, json!({})).await["viewer"]["role"],
            "PARTNER"
        );

        let mut cases: Vec<(&str, String)> = Vec::new();
        let unsigned = format!(
            "{}.{}.",
            b64(&json!({ "alg": "none", "typ": "JWT" })),
            b64(&partner_claims(&partner))
        );
        cases.push(("alg none", unsigned));
        // HS256 "signed" with the public key as the HMAC secret: algorithm confusion.
        let jwks: Value = app
            .get("/.well-known/jwks.json")
            .await
            .json()
            .await
            .unwrap();
        let public = URL_SAFE_NO_PAD
            .decode(jwks["keys"][0]["x"].as_str().unwrap())
            .unwrap();
        let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        hs_header.kid = Some(key.kid().to_owned());
        let confused = jsonwebtoken::encode(
            &hs_header,
            &partner_claims(&partner),
            &jsonwebtoken::EncodingKey::from_secret(&public).unwrap(),
        )
        .unwrap();
        cases.push(("HS256 with the public key", confused));
        let with = |change: Value| {
            let mut claims = partner_claims(&partner);
            for (k, v) in change.as_object().unwrap() {
                claims[k] = v.clone();
            }
            app.sign(&key, &claims)
        };
        cases.push((
            "expired",
            with(json!({ "exp": now() - 3600, "nbf": now() - 7200 })),
        ));
        cases.push(("not yet valid", with(json!({ "nbf": now() + 3600 }))));
        cases.push((
            "wrong issuer",
            with(json!({ "iss": "https://evil.example" })),
        ));
        cases.push(("wrong audience", with(json!({ "aud": "another-api" }))));
        let stranger = SigningKey::generate().unwrap();
        cases.push((
            "unknown kid",
            app.sign(&stranger, &partner_claims(&partner)),
        ));
        let parts: Vec<&str> = valid.split('.').collect();
        let mut elevated = partner_claims(&partner);
        elevated["scope"] = json!("ecosystem:read admin");
        cases.push((
            "tampered payload",
            format!("{}.{}.{}", parts[0], b64(&elevated), parts[2]),
        ));
        cases.push(("garbage", "not-a-token".to_owned()));
        cases.push(("people's issuer, partner's key", {
            let mut claims = partner_claims(&partner);
            claims["iss"] = json!(TEST_IDP);
            app.sign(&key, &claims)
        }));
        for (case, token) in &cases {
            assert_refused(&app, token, case).await;
        }
        let (status, body) = app.graphql_as(None, VIEWER, json!({})).await;
        assert_eq!(
            (status, body["data"]["viewer"]["role"].as_str()),
            (200, Some("ANONYMOUS"))
        );
        let not_bearer = reqwest::Client::new()
            .post(app.url("/graphql"))
            .header("authorization", format!("Basic {valid}"))
            .json(&json!({ "query": VIEWER }))
            .send()
            .await
            .unwrap();
        assert_eq!(not_bearer.status(), 401);

        // A revoked client's token and a suspended partner's token stop working at once.
        let revoked = app
            .partner(
                PartnerKind::SupportOrganisation,
                "ecosystem:read",
                None,
                false,
            )
            .await;
        let revoked_token = app.partner_token(&revoked).await;
        assert_eq!(
            app.data_as(Some(&revoked_token), VIEWER, json!({})).await["viewer"]["role"],
            "PARTNER"
        );
        app.store()
            .revoke_api_client(&revoked.client_id)
            .await
            .unwrap();
        assert_refused(&app, &revoked_token, "revoked client").await;
        let (status, _) = app
            .token_request(
                &[("grant_type", "client_credentials")],
                Some((&revoked.client_id, &revoked.secret)),
            )
            .await;
        assert_eq!(status, 401, "a revoked client gets no new token");

        let suspended = app
            .partner(PartnerKind::PublicBody, "ecosystem:read", None, false)
            .await;
        let suspended_token = app.partner_token(&suspended).await;
        app.store()
            .set_partner_status(
                suspended.id,
                panorama_domain::partner::PartnerStatus::Suspended,
            )
            .await
            .unwrap();
        assert_refused(&app, &suspended_token, "suspended partner").await;
        app.store()
            .set_partner_status(
                suspended.id,
                panorama_domain::partner::PartnerStatus::Active,
            )
            .await
            .unwrap();
        assert_eq!(
            app.data_as(Some(&suspended_token), VIEWER, json!({})).await["viewer"]["role"],
            "PARTNER"
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_survive_a_restart_and_keys_rotate() {
    let backend = panorama_tests::Backend::Sqlite;
    let app = TestApp::empty(&backend).await;
    let partner = app
        .partner(PartnerKind::Funder, "ecosystem:read", None, false)
        .await;
    let before = app.partner_token(&partner).await;
    let app = app.restart().await;
    assert_eq!(
        app.data_as(Some(&before), VIEWER, json!({})).await["viewer"]["role"],
        "PARTNER",
        "same key after a restart"
    );

    // Rotation: a new signing key, the old public key still accepted until its tokens expire.
    let old = app.signing_key();
    let dir = app.auth.dir.path().to_owned();
    std::fs::write(dir.join("old-public.pem"), old_public_pem(&old)).unwrap();
    std::fs::remove_file(dir.join("signing-key.pem")).unwrap();
    let mut app = app;
    app.auth.settings.verification_key_files = vec![dir.join("old-public.pem")];
    let app = app.restart().await;
    assert_ne!(
        app.signing_key().kid(),
        old.kid(),
        "a new key was generated"
    );
    let jwks: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        kids.contains(&old.kid()) && kids.contains(&app.signing_key().kid()),
        "{kids:?}"
    );
    assert_eq!(
        app.data_as(Some(&before), VIEWER, json!({})).await["viewer"]["role"],
        "PARTNER",
        "old token still valid"
    );
    let after = app.partner_token(&partner).await;
    assert_eq!(
        app.data_as(Some(&after), VIEWER, json!({})).await["viewer"]["role"],
        "PARTNER"
    );

    // Once the old key is dropped, its tokens are refused.
    let mut app = app;
    app.auth.settings.verification_key_files = vec![];
    let app = app.restart().await;
    assert_refused(&app, &before, "token of a retired key").await;
    app.stop().await;
}

/// The public half of a signing key, as PEM (SubjectPublicKeyInfo).
fn old_public_pem(key: &SigningKey) -> String {
    let jwk = key.verifying_key().to_jwk();
    let raw = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
    // The fixed DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410).
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend(raw);
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_from_the_identity_provider_get_their_roles() {
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let member = app.user_token(&["member"], &["civic-bytes", "wijkdata"]);
        let viewer = app.data_as(Some(&member), VIEWER, json!({})).await["viewer"].clone();
        assert_eq!(viewer["role"], "MEMBER");
        assert_eq!(
            viewer["scopes"],
            json!(["ecosystem:read", "ecosystem:write"])
        );
        let mut slugs: Vec<&str> = viewer["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["slug"].as_str().unwrap())
            .collect();
        slugs.sort_unstable();
        assert_eq!(slugs, ["civic-bytes", "wijkdata"]);

        let moderator = app.user_token(&["staff", "moderator"], &[]);
        let viewer = app.data_as(Some(&moderator), VIEWER, json!({})).await["viewer"].clone();
        assert_eq!(viewer["role"], "MODERATOR");
        assert!(
            viewer["scopes"]
                .as_array()
                .unwrap()
                .contains(&json!("moderate"))
        );

        let admin = app.user_token(&["admin"], &[]);
        assert_eq!(
            app.data_as(Some(&admin), VIEWER, json!({})).await["viewer"]["role"],
            "ADMIN"
        );

        // The provider's token must be for Panorama, and signed by the provider's key.
        let now = now();
        let other_audience = app.sign(&app.auth.idp_key, &json!({ "iss": TEST_IDP, "aud": "elsewhere", "sub": "u", "exp": now + 60, "nbf": now }));
        assert_refused(&app, &other_audience, "user token for another audience").await;
        let forged = app.sign(&app.signing_key(), &json!({ "iss": TEST_IDP, "aud": "panorama-api", "sub": "u", "exp": now + 60, "roles": ["admin"] }));
        assert_refused(
            &app,
            &forged,
            "user token signed by a key not the provider's",
        )
        .await;
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_see_their_own_unpublished_records_and_nothing_more() {
    let query = r#"{ organisation(slug: "spomin-vr") { name status }
                     organisations(first: 1, filter: { countries: ["SI"] }) { totalCount } }"#;
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let pending = app
            .store()
            .organisations_by_slug(
                &panorama_domain::policy::ReadScope::Everything,
                &["spomin-vr".to_owned()],
            )
            .await
            .unwrap()
            .remove("spomin-vr")
            .unwrap();
        let owner = app
            .partner(
                PartnerKind::SupportOrganisation,
                "ecosystem:read",
                None,
                false,
            )
            .await;
        let other = app
            .partner(
                PartnerKind::SupportOrganisation,
                "ecosystem:read",
                None,
                false,
            )
            .await;
        let owner_without_read = app
            .partner(
                PartnerKind::SupportOrganisation,
                "ecosystem:write",
                None,
                false,
            )
            .await;
        set_owner(&app, pending.meta.id, owner.id).await;

        let sees = |token: Option<String>| {
            let app = &app;
            async move {
                let data = app.data_as(token.as_deref(), query, json!({})).await;
                (
                    data["organisation"]["status"].as_str().map(str::to_owned),
                    data["organisations"]["totalCount"].as_u64().unwrap(),
                )
            }
        };
        let hidden = (None, 0);
        let shown = (Some("PENDING".to_owned()), 1);
        assert_eq!(sees(None).await, hidden, "anonymous");
        assert_eq!(
            sees(Some(app.partner_token(&owner).await)).await,
            shown,
            "owning partner"
        );
        assert_eq!(
            sees(Some(app.partner_token(&other).await)).await,
            hidden,
            "another partner"
        );
        set_owner(&app, pending.meta.id, owner_without_read.id).await;
        assert_eq!(
            sees(Some(app.partner_token(&owner_without_read).await)).await,
            hidden,
            "owner without ecosystem:read"
        );
        assert_eq!(
            sees(Some(app.user_token(&["member"], &["spomin-vr"]))).await,
            shown,
            "member of it"
        );
        assert_eq!(
            sees(Some(app.user_token(&["member"], &["civic-bytes"]))).await,
            hidden,
            "member of another"
        );
        assert_eq!(
            sees(Some(app.user_token(&["moderator"], &[]))).await,
            shown,
            "moderator"
        );
        app.stop().await;
    }
}

async fn set_owner(app: &TestApp, organisation: uuid::Uuid, partner: uuid::Uuid) {
    use panorama_persistence::entities::organisation as org;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let row = org::Entity::find_by_id(organisation)
        .one(app.store().connection())
        .await
        .unwrap()
        .unwrap();
    let mut row: org::ActiveModel = row.into();
    row.owner_partner_id = Set(Some(partner));
    row.update(app.store().connection()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_provider_keys_can_come_from_a_jwks_url() {
    let app = TestApp::empty(&panorama_tests::Backend::Sqlite).await;
    // The provider's JWKS, served over HTTP on loopback like a real provider's.
    let jwks = std::fs::read_to_string(
        app.auth.settings.trusted_issuers[0]
            .jwks_file
            .clone()
            .unwrap(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/certs", listener.local_addr().unwrap());
    let provider =
        axum::Router::new().route("/certs", axum::routing::get(move || async move { jwks }));
    let server = tokio::spawn(async move { axum::serve(listener, provider).await });

    let mut app = app;
    app.auth.settings.trusted_issuers[0].jwks_file = None;
    app.auth.settings.trusted_issuers[0].jwks_url = Some(url);
    let app = app.restart().await;
    let token = app.user_token(&["moderator"], &[]);
    assert_eq!(
        app.data_as(Some(&token), VIEWER, json!({})).await["viewer"]["role"],
        "MODERATOR"
    );
    app.stop().await;
    server.abort();
}
