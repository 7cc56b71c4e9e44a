// A page in a real browser, for the tests of the web lesson and of the book's questions:
// Debian's chromium, headless, driven through the DevTools protocol over a pipe
// (--remote-debugging-pipe), so that nothing but Node.js and chromium is needed.
//
//   node browser.mjs URL TEXT [SCREENSHOT.png] [CLICK]
//
// Opens URL, prints "loaded" once the page has loaded, clicks the element that the CSS selector
// CLICK names (when given), then waits until the page's text holds TEXT (the page's own
// MutationObserver tells, no polling), prints the page's visible text and exits 0; exits 1 with
// the page's text if TEXT has not appeared after 12 seconds.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

const [url, text, screenshot, click] = process.argv.slice(2);
const chromium = spawn(
  "chromium",
  ["--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "about:blank"],
  { stdio: ["ignore", "ignore", "inherit", "pipe", "pipe"] },
);
const [toBrowser, fromBrowser] = [chromium.stdio[3], chromium.stdio[4]];

// Each message on the pipe is JSON ended by a NUL byte.
let nextId = 1;
const pending = new Map();
const events = [];
let buffered = "";
fromBrowser.on("data", (chunk) => {
  buffered += chunk.toString();
  let end;
  while ((end = buffered.indexOf("\0")) >= 0) {
    const message = JSON.parse(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
    if (message.id && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    } else if (message.method) {
      events.forEach((listener) => listener(message));
    }
  }
});

function send(method, params = {}, sessionId) {
  const id = nextId++;
  toBrowser.write(JSON.stringify({ id, method, params, sessionId }) + "\0");
  return new Promise((resolve, reject) =>
    pending.set(id, (message) =>
      message.error ? reject(new Error(`${method}: ${message.error.message}`)) : resolve(message.result),
    ),
  );
}

function finish(code, output) {
  console.log(output);
  chromium.kill();
  process.exit(code);
}

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
await send("Page.enable", {}, sessionId);
const loaded = new Promise((resolve) =>
  events.push((event) => event.method === "Page.loadEventFired" && event.sessionId === sessionId && resolve()),
);
await send("Page.navigate", { url }, sessionId);
await loaded;
console.log("loaded");
if (click) {
  const clicked = `(() => { const target = document.querySelector(${JSON.stringify(click)});
    if (!target) return false; target.scrollIntoView(); target.click(); return true; })()`;
  const done = await send("Runtime.evaluate", { expression: clicked, returnByValue: true }, sessionId);
  if (!done.result.value) finish(1, `nothing on the page matches ${click}`);
}

// Resolves with the page's text once it holds `text`, or after 12 s (then the test fails).
const waiting = `new Promise((resolve) => {
  const holds = () => document.body.innerText.includes(${JSON.stringify(text)});
  if (holds()) return resolve(true);
  new MutationObserver(() => holds() && resolve(true))
    .observe(document.body, { subtree: true, childList: true, characterData: true });
  setTimeout(() => resolve(false), 12000);
})`;
const found = await send("Runtime.evaluate", { expression: waiting, awaitPromise: true, returnByValue: true }, sessionId);
const page = await send("Runtime.evaluate", { expression: "document.body.innerText", returnByValue: true }, sessionId);
if (screenshot) {
  const { data } = await send("Page.captureScreenshot", { format: "png" }, sessionId);
  writeFileSync(screenshot, Buffer.from(data, "base64"));
}
finish(found.result.value ? 0 : 1, page.result.value);
