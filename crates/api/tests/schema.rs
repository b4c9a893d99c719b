//! The committed `schema.graphql` is the schema the code serves. When this fails after an
//! intended change, rewrite it with `cargo run -p panorama-server -- schema > schema.graphql`.

#[test]
fn committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let actual = panorama_api::build_schema().sdl();
    assert!(
        committed == actual,
        "schema.graphql is out of date: run `cargo run -p panorama-server -- schema > schema.graphql`"
    );
}
