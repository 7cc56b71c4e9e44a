// The official NATS JavaScript client as a peer of the Rust steps, for the interop tests in
// ../tests/javascript.rs. One role a run, on the server that NATS_URL names:
//
//   node peer.mjs service                 a calc service (sum, max) with @nats-io/services
//   node peer.mjs discover NAME           PING, INFO, STATS through the library's own client,
//                                         each answer checked against the ADR-32 schemas
//   node peer.mjs request SUBJECT BODY    a request; prints the answer and its error headers
//   node peer.mjs kv-put KEY VALUE | kv-get KEY          the bucket "tutorial"
//   node peer.mjs obj-put NAME PATH | obj-get NAME PATH  the object store "tutorial-files"
//   node peer.mjs pub SUBJECT MESSAGE | sub SUBJECT COUNT
//
// Every line it prints is one JSON object, for the Rust test to read; an error ends the run
// with exit code 1 and a line {"error": ...}.
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";

const say = (line) => console.log(JSON.stringify(line));
const [role, ...args] = process.argv.slice(2);
const servers = process.env.NATS_URL ?? "nats://localhost:4222";
const nc = await connect({ servers, name: `js-peer ${role}` });

// The same rules as the Rust service's: a JSON array of numbers in, {"result": N} out.
function calculate(endpoint, data) {
  let numbers = null;
  try {
    numbers = JSON.parse(new TextDecoder().decode(data));
  } catch {
    // not JSON: refused below
  }
  if (!Array.isArray(numbers) || !numbers.every((n) => typeof n === "number")) {
    return { error: "expected a JSON array of numbers, such as [1, 2, 3]" };
  }
  if (endpoint === "sum") return { result: numbers.reduce((a, b) => a + b, 0) };
  if (numbers.length === 0) return { error: "max needs at least one number" };
  return { result: Math.max(...numbers) };
}

async function service() {
  const config = { name: "calc", version: "1.0.0", description: "sums and maxima, in JavaScript" };
  const svc = await new Svcm(nc).add(config);
  const group = svc.addGroup("calc");
  for (const endpoint of ["sum", "max"]) {
    group.addEndpoint(endpoint, (err, msg) => {
      if (err) return say({ error: err.message });
      const answer = calculate(endpoint, msg.data);
      if (answer.error) msg.respondError(400, answer.error);
      else msg.respond(JSON.stringify(answer));
    });
  }
  await nc.flush(); // the endpoints are subscribed on the server before "ready"
  say({ ready: svc.info().id });
  // Until the test stops it: SIGTERM or Ctrl-C.
  await new Promise((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await svc.stop();
}

// ADR-32's three answers, as JSON schemas written for this test from the ADR's field lists.
function validators() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const schemas = JSON.parse(readFileSync(new URL("./adr32.json", import.meta.url)));
  const compile = (schema) => ajv.compile({ definitions: schemas.definitions, ...schema });
  return Object.fromEntries(
    Object.entries(schemas.answers).map(([verb, schema]) => [verb, compile(schema)]),
  );
}

async function discover(name) {
  const client = new Svcm(nc).client();
  const valid = validators();
  for (const verb of ["ping", "info", "stats"]) {
    // The library gathers the answers itself, until its own timeout.
    for await (const answer of await client[verb](name)) {
      const ok = valid[verb](answer);
      say({ verb, answer, schema: ok ? "valid" : valid[verb].errors });
    }
  }
}

async function request(subject, body) {
  const answer = await nc.request(subject, body, { timeout: 2000 });
  const header = (name) => answer.headers?.get(name) || undefined;
  const [error, code] = [header("Nats-Service-Error"), header("Nats-Service-Error-Code")];
  say({ body: answer.string(), error, code });
}

async function kv(put, key, value) {
  const bucket = await new Kvm(nc).create("tutorial", { history: 10 });
  if (put) return say({ key, revision: await bucket.put(key, value) });
  const entry = await bucket.get(key);
  say({ key, value: entry?.string(), revision: entry?.revision, operation: entry?.operation });
}

async function obj(put, name, path) {
  const store = await new Objm(nc).create("tutorial-files");
  if (put) {
    const info = await store.putBlob({ name }, readFileSync(path));
    return say({ name, size: info.size, chunks: info.chunks, digest: info.digest });
  }
  const bytes = await store.getBlob(name); // the library checks the digest as it reads
  if (bytes === null) throw new Error(`no object ${name}`);
  writeFileSync(path, bytes);
  say({ name, size: bytes.length });
}

async function subscribe(subject, count) {
  const sub = nc.subscribe(subject, { max: count });
  await nc.flush(); // the server has the subscription before the test publishes
  say({ subscribed: subject });
  for await (const msg of sub) say({ subject: msg.subject, message: msg.string() });
}

const roles = {
  service: () => service(),
  discover: () => discover(args[0]),
  request: () => request(args[0], args[1] ?? ""),
  "kv-put": () => kv(true, args[0], args[1]),
  "kv-get": () => kv(false, args[0]),
  "obj-put": () => obj(true, args[0], args[1]),
  "obj-get": () => obj(false, args[0], args[1]),
  pub: async () => {
    nc.publish(args[0], args[1]);
    say({ published: args[0] });
  },
  sub: () => subscribe(args[0], Number(args[1] ?? 1)),
};
try {
  if (!roles[role]) throw new Error(`unknown role ${role}`);
  await roles[role]();
  await nc.drain(); // what was published reaches the server before the process ends
} catch (err) {
  say({ error: err.message });
  process.exitCode = 1;
  await nc.close();
}
