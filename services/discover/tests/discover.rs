//! The checks every step shares; discover's own behaviour is tested with the service, in
//! services/service/tests/service.rs.

const BIN: &str = env!("CARGO_BIN_EXE_discover");

testkit::step_checks!(plain: BIN, auth_hint: "cargo xtask server", server: testkit::ServerOptions::new());
