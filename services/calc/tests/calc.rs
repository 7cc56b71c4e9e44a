//! The checks every step shares; calc's own behaviour is tested with the service, in
//! services/service/tests/service.rs.

const BIN: &str = env!("CARGO_BIN_EXE_calc");

testkit::step_checks!(plain: BIN, auth_hint: "cargo xtask server", server: testkit::ServerOptions::new());
