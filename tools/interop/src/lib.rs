//! NATS is language-neutral, and so are the lessons: `tests/javascript.rs` runs the steps
//! against the official NATS JavaScript client (`js/peer.mjs`, with the `@nats-io` packages
//! pinned in `js/package-lock.json`), both ways: a service, discovery and its ADR-32 schemas,
//! the object store, key-value and core publish and subscribe. The tests install the
//! packages themselves (`npm ci`, once); they need Node.js 18 or newer and npm on `PATH`.
